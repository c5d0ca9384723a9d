"""Open311 GeoReport v2 at /open311/v2/ (http://wiki.open311.org/GeoReport_v2), JSON and XML.

Services are the active case categories. Requests POSTed here (with an API key from
`manage.py create_open311_key NAME`) become cases like any other; GET lists only the requests
that came in through Open311, so nothing a grid worker recorded about a household is public.
A location is given as `address_id` (a building id, as printed on the building's QR code) or an
`address_string` naming an estate and building (汉嘉国际社区3栋 …); lat/long alone is not enough
because buildings carry no coordinates yet.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from weiwang.cases import services
from weiwang.cases.models import OPEN_STATES, Case, CaseCategory, CaseSource, Open311Key
from weiwang.cases.public_views import micro_grid_at, report_rate_limited
from weiwang.core.errors import ApplicationError
from weiwang.people.importing.addresses import numerals_to_digits
from weiwang.regions.models import Building, Estate

SPEC = "http://wiki.open311.org/GeoReport_v2"
MAX_RESULTS = 1000
DEFAULT_DAYS = 90


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def open311_key_create(*, name: str) -> tuple[Open311Key, str]:
    """A new client key; only its hash is kept, the key is shown once."""
    key = secrets.token_urlsafe(24)
    return Open311Key.objects.create(name=name, key_hash=key_hash(key)), key


# -- rendering -------------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return _when(value)
    return str(value)


def _when(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _xml_items(parent: ET.Element, tag: str, items: Iterable[dict]) -> None:
    for item in items:
        node = ET.SubElement(parent, tag)
        _xml_fields(node, item)


def _xml_fields(node: ET.Element, item: dict) -> None:
    for key, value in item.items():
        if isinstance(value, list):
            child = ET.SubElement(node, key)
            singular = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute"}
            for element in value:
                if isinstance(element, dict):
                    _xml_items(child, singular.get(key, "item"), [element])
                else:
                    ET.SubElement(child, singular.get(key, "item")).text = _text(element)
        else:
            ET.SubElement(node, key).text = _text(value)


def _respond(fmt: str, data: object, *, root: str, item: str | None, status: int = 200):
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False)
        return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    top = ET.Element(root)
    if item is None:
        _xml_fields(top, data)
    else:
        _xml_items(top, item, data)
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(top, encoding="utf-8")
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _respond(
        fmt,
        [{"code": status, "description": description}],
        root="errors",
        item="error",
        status=status,
    )


def endpoint(view):
    """Format check (json/xml), and errors as the spec's errors list with the HTTP status."""

    def wrapped(request: HttpRequest, fmt: str, **kwargs):
        if fmt not in ("json", "xml"):
            raise Http404
        try:
            return view(request, fmt, **kwargs)
        except Open311Error as error:
            return _error(fmt, error.status, error.description)
        except ApplicationError as error:
            return _error(fmt, 400, error.message)

    wrapped.__name__ = view.__name__
    return csrf_exempt(wrapped)


# -- endpoints -------------------------------------------------------------------------------


def root(request: HttpRequest) -> HttpResponse:
    """The base URL: point people at the discovery document."""
    return discovery(request, "json")


@endpoint
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311_root"))
    data = {
        "changeset": "2026-11-27T00:00:00+08:00",
        "contact": _("请联系所在社区"),
        "key_service": _("向街道或区管理员申请接入密钥"),
        "endpoints": [
            {
                "specification": SPEC,
                "url": base.rstrip("/"),
                "changeset": "2026-11-27T00:00:00+08:00",
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _respond(fmt, data, root="discovery", item=None)


def _service(category: CaseCategory) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": _("默认由%(tier)s处理,时限 %(limit)s")
        % {"tier": category.get_default_tier_display(), "limit": category.default_limit.name},
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": category.get_default_tier_display(),
    }


@endpoint
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    categories = CaseCategory.objects.filter(active=True).select_related("default_limit")
    return _respond(fmt, [_service(c) for c in categories], root="services", item="service")


@endpoint
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    if not CaseCategory.objects.filter(code=code, active=True).exists():
        raise Open311Error(404, _("没有这个服务类型:%(code)s") % {"code": code})
    return _respond(
        fmt, {"service_code": code, "attributes": []}, root="service_definition", item=None
    )


def _status(case: Case) -> str:
    return "open" if case.state in OPEN_STATES else "closed"


def _request(case: Case) -> dict:
    last = case.events.exclude(note="").order_by("-id").first()
    notes = case.get_state_display() + (f":{last.note}" if last else "")
    return {
        "service_request_id": case.number,
        "status": _status(case),
        "status_notes": notes,
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": case.description,
        "agency_responsible": case.handling_region.name,
        "service_notice": "",
        "requested_datetime": _when(case.created_at),
        "updated_datetime": _when(case.updated_at),
        "expected_datetime": _when(case.deadline),
        "address": case.place or (str(case.building) if case.building else ""),
        "address_id": str(case.building_id or ""),
        "zipcode": "",
        "lat": str(case.latitude) if case.latitude is not None else "",
        "long": str(case.longitude) if case.longitude is not None else "",
        "media_url": "",
    }


def _public_requests() -> QuerySet[Case]:
    return Case.objects.filter(source=CaseSource.OPEN311).select_related(
        "category", "handling_region", "building__estate"
    )


@endpoint
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    params = request.GET
    cases = _public_requests()
    if params.get("service_request_id"):
        numbers = [n.strip() for n in params["service_request_id"].split(",") if n.strip()]
        cases = cases.filter(number__in=numbers)
    else:
        start = _date(params.get("start_date"), "start_date")
        end = _date(params.get("end_date"), "end_date") or timezone.now()
        start = start or end - dt.timedelta(days=DEFAULT_DAYS)
        cases = cases.filter(created_at__gte=start, created_at__lte=end)
        if params.get("service_code"):
            cases = cases.filter(category__code__in=params["service_code"].split(","))
        if params.get("status") == "open":
            cases = cases.filter(state__in=OPEN_STATES)
        elif params.get("status") == "closed":
            cases = cases.exclude(state__in=OPEN_STATES)
        elif params.get("status"):
            raise Open311Error(400, _("status 只能是 open 或 closed。"))
    rows = [_request(c) for c in cases.order_by("-created_at")[:MAX_RESULTS]]
    return _respond(fmt, rows, root="service_requests", item="request")


def _date(value: str | None, name: str) -> dt.datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value.replace(" ", "+"))
    if parsed is None:
        raise Open311Error(
            400,
            _("%(name)s 不是 ISO 8601 日期时间,例如 2026-11-01T00:00:00+08:00。") % {"name": name},
        )
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


@endpoint
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    case = _public_requests().filter(number=request_id).first()
    if case is None:
        raise Open311Error(404, _("没有这个服务请求:%(id)s") % {"id": request_id})
    return _respond(fmt, [_request(case)], root="service_requests", item="request")


@endpoint
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    case = _public_requests().filter(open311_token=token).first() if token else None
    if case is None:
        raise Open311Error(404, _("没有这个令牌。"))
    rows = [{"service_request_id": case.number, "token": token}]
    return _respond(fmt, rows, root="service_requests", item="request")


def _location(data) -> tuple[Building | None, Estate | None]:
    address_id = (data.get("address_id") or "").strip()
    if address_id:
        building = (
            Building.objects.select_related("estate")
            .filter(pk=int(address_id) if address_id.isdigit() else 0)
            .first()
        )
        if building is None:
            raise Open311Error(400, _("address_id 不是已登记的楼栋编号。"))
        return building, building.estate
    text = (data.get("address_string") or "").strip()
    if text:
        normal = numerals_to_digits(text.replace(" ", ""))
        for estate in Estate.objects.all().order_by("-id"):
            if estate.name and estate.name in normal:
                rest = normal.split(estate.name, 1)[1]
                number = (
                    "".join(ch for ch in rest.split("栋")[0] if ch.isdigit())
                    if "栋" in rest
                    else ""
                )
                building = estate.buildings.filter(number=number).first() if number else None
                return building, estate
        raise Open311Error(400, _("address_string 中找不到已登记的小区名称。"))
    raise Open311Error(400, _("请提供 address_id(楼栋编号)或写明小区和楼栋的 address_string。"))


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    key = Open311Key.objects.filter(key_hash=key_hash(data.get("api_key", "")), active=True).first()
    if key is None:
        raise Open311Error(403, _("api_key 无效或已停用。"))
    category = CaseCategory.objects.filter(code=data.get("service_code", ""), active=True).first()
    if category is None:
        raise Open311Error(
            404, _("没有这个服务类型:%(code)s") % {"code": data.get("service_code", "")}
        )
    building, estate = _location(data)
    place_key = f"b{building.pk}" if building else f"e{estate.pk}"
    if report_rate_limited(request, place_key):
        raise Open311Error(429, _("提交过于频繁,请稍后再试。"))
    micro_grid = micro_grid_at(building, estate)
    if micro_grid is None:
        raise Open311Error(400, _("这个地点还没有划分网格。"))
    name = " ".join(p for p in (data.get("last_name", ""), data.get("first_name", "")) if p)
    try:
        latitude = float(data["lat"]) if data.get("lat") else None
        longitude = float(data["long"]) if data.get("long") else None
    except ValueError:
        raise Open311Error(400, _("lat 和 long 必须是数字。")) from None
    case, _code = services.case_report(
        actor=None,
        category=category,
        description=data.get("description", ""),
        micro_grid=micro_grid,
        source=CaseSource.OPEN311,
        estate=estate,
        building=building,
        place=data.get("address_string", ""),
        latitude=round(latitude, 6) if latitude is not None else None,
        longitude=round(longitude, 6) if longitude is not None else None,
        reporter_name=name,
        reporter_phone=data.get("phone", ""),
    )
    token = secrets.token_hex(12)
    Case.objects.filter(pk=case.pk).update(open311_key=key, open311_token=token)
    rows = [
        {
            "service_request_id": case.number,
            "token": token,
            "service_notice": _("办理时限 %(when)s") % {"when": _when(case.deadline)},
            "account_id": "",
        }
    ]
    return _respond(fmt, rows, root="service_requests", item="request", status=201)
