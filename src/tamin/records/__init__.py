"""Insurance history (سوابق بیمه), month by month, and the objections people raise against it."""
