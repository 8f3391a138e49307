"""The staff back office's titles. The model admins live in each app's admin.py."""

from django.contrib import admin

admin.site.site_header = "مدیریت سامانهٔ تأمین"
admin.site.site_title = "تأمین — مدیریت"
admin.site.index_title = "بخش مدیریت کارکنان"
