from django.contrib import admin
from django.urls import include, path

from coopwork.api.api import api
from coopwork.web.views.accounts import set_language

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # The EN/FR switch, remembering a signed-in user's choice (before Django's own, same URL).
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("coopwork.web.urls")),
]
