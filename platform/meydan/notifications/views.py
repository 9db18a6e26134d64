from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..ratelimit import rate_limited
from . import services


@login_required
def notification_list(request):
    page = Paginator(request.user.notifications.all(), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"notifications": page})


@login_required
@require_POST
@rate_limited("notifications.read")
def mark_all_read(request):
    services.mark_read(request.user)
    return redirect("notifications:list")
