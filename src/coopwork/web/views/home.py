from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from coopwork.core.selectors import cooperative_list


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"coops": cooperative_list()})
