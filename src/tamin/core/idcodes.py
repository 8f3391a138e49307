"""Iranian national code (کد ملی): normalisation, check digit, and a vectorised validator for batches.

Algorithm (rules.md §8.1): 8–10 digits, left-padded with zeros to 10; not all one digit; the six
serial digits (positions 4–9) not all zero; with S = Σ dᵢ·(11−i) over the first nine digits and
r = S mod 11, the check digit is r when r < 2 and 11 − r otherwise.
"""

from __future__ import annotations

import re

import numpy as np

from tamin.core.errors import DomainError
from tamin.core.text import normalize

_WEIGHTS = np.arange(10, 1, -1, dtype=np.int64)  # 10, 9, …, 2 for digits 1..9
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]")


class InvalidNationalCode(DomainError):
    """A national code that cannot be one; `code` says which rule it broke."""

    def __init__(
        self, code: str, message: str, field: str | None = "national_code", record: str | int | None = None
    ) -> None:
        super().__init__(code, message, field, record)


def national_code_check_digit(first9: str) -> int:
    """The check digit for nine ASCII digits."""
    if len(first9) != 9 or not (first9.isascii() and first9.isdigit()):
        raise ValueError(f"need exactly nine ASCII digits, got {first9!r}")
    r = sum(int(c) * w for c, w in zip(first9, range(10, 1, -1), strict=True)) % 11
    return r if r < 2 else 11 - r


def with_check_digit(first9: str) -> str:
    """The ten-digit code for nine digits. Only the check digit is added: the result can still be
    refused by the same-digit or zero-serial rules (e.g. 111111111 → 1111111111)."""
    return first9 + str(national_code_check_digit(first9))


def normalize_national_code(raw: str, field: str = "national_code") -> str:
    """The canonical 10-digit code, or InvalidNationalCode naming `field`.

    Persian/Arabic digits, surrounding or embedded spaces and dashes are accepted, since that is how
    codes are typed and pasted; anything else is a format error.
    """
    if not isinstance(raw, str):
        raise InvalidNationalCode("national_code.format", "کد ملی باید به صورت متن وارد شود.", field)
    digits = _SEPARATORS.sub("", normalize(raw))
    if not (digits.isascii() and digits.isdigit() and 8 <= len(digits) <= 10):
        raise InvalidNationalCode("national_code.format", "کد ملی باید ۸ تا ۱۰ رقم باشد.", field)
    code = digits.zfill(10)
    if len(set(code)) == 1:
        raise InvalidNationalCode(
            "national_code.same_digits", "کد ملی نمی‌تواند از یک رقم تکراری تشکیل شده باشد.", field
        )
    if code[3:9] == "000000":
        # No separate code for this: the contract fixes three, and a zero serial is a malformed code.
        raise InvalidNationalCode("national_code.format", "شش رقم میانی کد ملی نمی‌تواند صفر باشد.", field)
    if int(code[9]) != national_code_check_digit(code[:9]):
        raise InvalidNationalCode("national_code.checksum", "رقم کنترل کد ملی درست نیست.", field)
    return code


def is_valid_national_code(raw: str) -> bool:
    try:
        normalize_national_code(raw)
    except InvalidNationalCode:
        return False
    return True


def _columns(codes: np.ndarray) -> np.ndarray:
    """A (width, n) int32 array of character codes of a 1-D string array, NUL-padded at the end.

    Column-major on purpose: every step below is then a pass over contiguous n-long rows, which
    numpy vectorises, instead of a reduction along a 10-wide axis, which it does not.
    """
    if codes.dtype.kind == "S":
        width, unit = codes.dtype.itemsize, np.uint8
    elif codes.dtype.kind == "U":
        width, unit = codes.dtype.itemsize // 4, np.uint32
    else:
        raise TypeError(f"expected an array of str or bytes (dtype U or S), got {codes.dtype}")
    if width == 0:
        return np.zeros((0, codes.size), dtype=np.int32)
    chars = np.ascontiguousarray(codes).view(unit).reshape(codes.size, width)
    return np.ascontiguousarray(chars.T, dtype=np.int32)


def _digit_values(chars: np.ndarray) -> np.ndarray:
    """Digit value per character; a character that is no ASCII, Persian or Arabic-Indic digit gets one
    outside 0..9."""
    values = chars - ord("0")
    if chars.size and chars.max() >= 0x0660:
        for zero in (0x06F0, 0x0660):  # Persian, then Arabic-Indic digit zero
            native = (chars >= zero) & (chars <= zero + 9)
            values = np.where(native, chars - zero, values)
    return values


def valid_national_codes(codes: np.ndarray) -> np.ndarray:
    """Element-wise validity of a string array of codes, without a Python loop per element.

    Accepts dtype 'U' or 'S' of any width (and object arrays of str, converted once). Like the scalar
    function, 8–10 digits are left-padded; Persian and Arabic-Indic digits are accepted in 'U' arrays.
    Unlike it, spaces and dashes are not stripped: batch inputs are expected to be clean columns.
    """
    arr = np.asarray(codes)
    if arr.dtype.kind == "O":
        arr = arr.astype("U")
    chars = _columns(arr.reshape(-1))
    n = arr.size
    if chars.shape[0] < 10:
        chars = np.concatenate([chars, np.zeros((10 - chars.shape[0], n), dtype=np.int32)])
    present = chars != 0
    length = present.sum(axis=0)
    values = _digit_values(chars)
    # NUL only as right padding (an embedded NUL would shift digits), and digits everywhere else.
    ok = (present[1:] <= present[:-1]).all(axis=0)
    ok &= (~present | ((values >= 0) & (values <= 9))).all(axis=0)
    ok &= (length >= 8) & (length <= 10)

    head = values[:10]
    if (length == 10).all():
        digits = head
    else:
        # Left-pad 8- and 9-digit codes by shifting their characters right one or two columns.
        zeros = np.zeros((2, n), dtype=np.int32)
        one, two = np.concatenate([zeros[:1], head[:9]]), np.concatenate([zeros, head[:8]])
        digits = np.where(length == 10, head, np.where(length == 9, one, two))
    ok &= ~(digits == digits[0]).all(axis=0)
    ok &= ~(digits[3:9] == 0).all(axis=0)
    weighted = np.zeros(n, dtype=np.int32)
    for k, weight in enumerate(range(10, 1, -1)):
        weighted += weight * digits[k]
    r = weighted % 11
    ok &= digits[9] == np.where(r < 2, r, 11 - r)
    return ok.reshape(arr.shape)


def with_check_digits(first9: np.ndarray) -> np.ndarray:
    """Ten-digit codes (dtype 'U10') for an integer array of nine-digit prefixes, 0 ≤ x < 10⁹.

    As with `with_check_digit`, only the check digit is computed; filter with `valid_national_codes`
    when every generated code must pass validation.
    """
    x = np.asarray(first9)
    if x.dtype.kind not in "iu":
        raise TypeError(f"expected an integer array, got {x.dtype}")
    x = x.astype(np.int64)
    if x.size and (x.min() < 0 or x.max() >= 10**9):
        raise ValueError("prefixes must be in [0, 10**9)")
    powers = 10 ** np.arange(8, -1, -1, dtype=np.int64)
    digits = (x.reshape(-1, 1) // powers) % 10
    r = (digits @ _WEIGHTS) % 11
    check = np.where(r < 2, r, 11 - r)
    chars = (np.concatenate([digits, check[:, None]], axis=1) + ord("0")).astype(np.uint32)
    return np.ascontiguousarray(chars).view("U10").reshape(x.shape)


LEGAL_ID_WEIGHTS = (29, 27, 23, 19, 17)


def is_valid_legal_id(raw: str) -> bool:
    """The 11-digit national ID of a legal person (شناسهٔ ملی اشخاص حقوقی): the tenth digit plus two
    is added to every one of the first ten digits, weighted 29, 27, 23, 19, 17 in turn, mod 11."""
    code = raw.strip()
    if len(code) != 11 or not code.isascii() or not code.isdigit() or int(code[3:9]) == 0:
        return False
    shift = int(code[9]) + 2
    total = sum((shift + int(d)) * LEGAL_ID_WEIGHTS[i % 5] for i, d in enumerate(code[:10]))
    remainder = total % 11
    return (0 if remainder == 10 else remainder) == int(code[10])
