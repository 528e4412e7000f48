"""Server-side SVG choropleth of French départements, overseas ones drawn in inset boxes.

In `core` so that every pillar and the dashboard draw their maps alike."""

import gzip
import json
import math
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Protocol

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

GEOJSON_PATH = Path(__file__).resolve().parent / "data" / "departements_anct.geojson.gz"

# Official order of the overseas départements, top to bottom in the inset column.
OVERSEAS_CODES = ("971", "972", "973", "974", "976")

# Layout in viewBox units (≈ CSS pixels when the map is shown 600 px wide).
WIDTH = 600.0
PAD = 4.0
INSET_WIDTH = 96.0
INSET_GAP = 8.0  # between two insets
INSET_PAD = 4.0  # inside an inset box, around the drawing
CAPTION_HEIGHT = 12.0
METRO_LEFT = PAD + INSET_WIDTH + 14.0
METRO_LATITUDE = 46.5  # standard parallel: keeps mainland France's shape right
# Points closer than this after projection are invisible; dropping them keeps the SVG small.
MIN_STEP = 0.4
# Then drop points within this distance of the line through their neighbours.
SIMPLIFY_TOLERANCE = 0.25

Point = tuple[float, float]
Ring = list[list[float]]
Projection = Callable[[float, float], Point]
IntPoint = tuple[int, int]


class DepartementLabel(Protocol):
    """What `choropleth_svg` reads from a label (a `queries.Rate` fits).

    Its `percent` is not read: the tooltip derives it from the rate that sets the colour.
    """

    @property
    def label(self) -> str: ...

    @property
    def total(self) -> int: ...

    @property
    def not_closed(self) -> int: ...


@dataclass(frozen=True)
class RateClasses:
    """Buckets of the open rate, each with a colour, plus a colour for "no data"."""

    bounds: tuple[float, ...]  # lower bound of every class but the first, ascending
    colors: tuple[str, ...]  # one per class, so len(bounds) + 1
    no_data_color: str

    def index(self, rate: float | None) -> int | None:
        if rate is None or math.isnan(rate):
            return None
        return bisect_right(self.bounds, rate)

    def color(self, rate: float | None) -> str:
        index = self.index(rate)
        return self.no_data_color if index is None else self.colors[index]

    def labels(self) -> list[str]:
        """Class labels then the "no data" label, translated at call time (not import time)."""
        bounds = [_percent_bound(b) for b in self.bounds]
        labels = [gettext("Less than %(high)s%%") % {"high": bounds[0]}]
        labels += [
            gettext("%(low)s%% to %(high)s%%") % {"low": low, "high": high}
            for low, high in zip(bounds, bounds[1:], strict=False)
        ]
        labels.append(gettext("%(low)s%% or more") % {"low": bounds[-1]})
        labels.append(gettext("No data"))
        return labels

    def legend(self) -> list[tuple[str, str]]:
        """(label, hex colour) for every class, lowest first, "no data" last."""
        return list(zip(self.labels(), [*self.colors, self.no_data_color], strict=True))


# DSFR colours, red to green: error-425, warning-625, yellow-tournesol-850,
# green-bourgeon-main-640, success-425; grey-925 for "no data".
rate_class = RateClasses(
    bounds=(0.80, 0.90, 0.95, 0.98),
    colors=("#ce0500", "#fc5d00", "#fcc63a", "#68a532", "#18753c"),
    no_data_color="#e5e5e5",
)


def _percent_bound(bound: float) -> str:
    percent = round(100 * bound, 1)
    return str(int(percent)) if percent.is_integer() else number_format(percent, 1)


@dataclass(frozen=True)
class _Shape:
    code: str
    name: str
    d: str


@dataclass(frozen=True)
class _Inset:
    name: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class _Geometry:
    width: float
    height: float
    shapes: tuple[_Shape, ...]
    insets: tuple[_Inset, ...]


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _tenths(value: int) -> str:
    """A length in tenths of a unit, as short as SVG path syntax allows ("-.4", "12", "3.5")."""
    whole, tenth = divmod(abs(value), 10)
    text = (f"{whole}.{tenth}" if whole else f".{tenth}") if tenth else str(whole)
    return "-" + text if value < 0 else text


def _path_number_list(values: list[int]) -> str:
    # A minus sign separates numbers by itself, so only positive ones need a space.
    parts = [_tenths(values[0])]
    for value in values[1:]:
        text = _tenths(value)
        parts.append(text if text[0] == "-" else " " + text)
    return "".join(parts)


def _polygons(geometry: dict) -> list[list[Ring]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return geometry["coordinates"]


def _bbox(polygons: list[list[Ring]]) -> tuple[float, float, float, float]:
    lons = [p[0] for polygon in polygons for ring in polygon for p in ring]
    lats = [p[1] for polygon in polygons for ring in polygon for p in ring]
    return min(lons), min(lats), max(lons), max(lats)


def _fit(
    bbox: tuple[float, float, float, float],
    cos_lat: float,
    x: float,
    y: float,
    width: float,
    height: float,
) -> Projection:
    """Equirectangular projection of bbox, centred in the box and as large as fits."""
    lon_min, lat_min, lon_max, lat_max = bbox
    scale = min(width / ((lon_max - lon_min) * cos_lat), height / (lat_max - lat_min))
    x0 = x + (width - (lon_max - lon_min) * cos_lat * scale) / 2
    y0 = y + (height - (lat_max - lat_min) * scale) / 2

    def project(lon: float, lat: float) -> Point:
        return x0 + (lon - lon_min) * cos_lat * scale, y0 + (lat_max - lat) * scale

    return project


def _segment_distance(p: IntPoint, a: IntPoint, b: IntPoint) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def _douglas_peucker(points: list[IntPoint], tolerance: float) -> list[IntPoint]:
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, distance = 0, tolerance
        for i in range(first + 1, last):
            d = _segment_distance(points[i], points[first], points[last])
            if d > distance:
                farthest, distance = i, d
        if farthest:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _ring_path(ring: Ring, project: Projection, min_step: float) -> str | None:
    # Integer tenths: rounding to one decimal once, then exact relative moves without drift.
    points: list[IntPoint] = []
    for lon, lat, *_ in ring:
        x, y = project(lon, lat)
        point = round(10 * x), round(10 * y)
        if not points or math.dist(points[-1], point) >= 10 * min_step:
            points.append(point)
    if min_step:
        points = _douglas_peucker(points + [points[0]], 10 * SIMPLIFY_TOLERANCE)[:-1]
    # The ring repeats its first point at the end; "z" closes it instead.
    while len(points) > 1 and math.dist(points[-1], points[0]) < max(10 * min_step, 1):
        points.pop()
    if len(points) < 3:
        return None
    deltas = [c for (x0, y0), (x1, y1) in pairwise(points) for c in (x1 - x0, y1 - y0)]
    return f"M{_path_number_list(list(points[0]))}l{_path_number_list(deltas)}z"


def _path_data(polygons: list[list[Ring]], project: Projection) -> str:
    rings = [ring for polygon in polygons for ring in polygon]
    parts = [p for ring in rings if (p := _ring_path(ring, project, MIN_STEP))]
    if not parts:
        # Too small to survive simplification: keep it anyway rather than lose a département.
        parts = [p for ring in rings if (p := _ring_path(ring, project, 0.0))]
    return "".join(parts)


@lru_cache(maxsize=1)
def _geometry() -> _Geometry:
    """Read and project the départements once; calls then only add colours and titles."""
    with gzip.open(GEOJSON_PATH, "rt", encoding="utf-8") as f:
        features = json.load(f)["features"]
    by_code = {
        f["properties"]["insee_dep"]: (f["properties"]["lib_dep"], _polygons(f["geometry"]))
        for f in features
    }
    metro = {code: v for code, v in by_code.items() if code not in OVERSEAS_CODES}
    overseas = [code for code in OVERSEAS_CODES if code in by_code]

    lon_min, lat_min, lon_max, lat_max = _bbox([p for _, ps in metro.values() for p in ps])
    cos_metro = math.cos(math.radians(METRO_LATITUDE))
    metro_width = WIDTH - METRO_LEFT - PAD
    metro_height = metro_width * (lat_max - lat_min) / ((lon_max - lon_min) * cos_metro)
    project = _fit(
        (lon_min, lat_min, lon_max, lat_max), cos_metro, METRO_LEFT, PAD, metro_width, metro_height
    )
    shapes = [_Shape(code, name, _path_data(ps, project)) for code, (name, ps) in metro.items()]

    insets = []
    inset_height = (metro_height - INSET_GAP * (len(overseas) - 1)) / max(len(overseas), 1)
    for i, code in enumerate(overseas):
        name, polygons = by_code[code]
        box = _Inset(name, PAD, PAD + i * (inset_height + INSET_GAP), INSET_WIDTH, inset_height)
        bbox = _bbox(polygons)
        # Each inset gets its own scale and parallel, as on official maps.
        project = _fit(
            bbox,
            math.cos(math.radians((bbox[1] + bbox[3]) / 2)),
            box.x + INSET_PAD,
            box.y + CAPTION_HEIGHT + INSET_PAD,
            box.width - 2 * INSET_PAD,
            box.height - CAPTION_HEIGHT - 2 * INSET_PAD,
        )
        shapes.append(_Shape(code, name, _path_data(polygons, project)))
        insets.append(box)

    shapes.sort(key=lambda s: (s.code in OVERSEAS_CODES, s.code))
    return _Geometry(WIDTH, round(metro_height + 2 * PAD, 1), tuple(shapes), tuple(insets))


def _title(code: str, name: str, rate: float | None, label: DepartementLabel | None) -> str:
    if rate is None:
        return gettext("%(name)s (%(code)s): no data") % {"name": name, "code": code}
    values = {
        "name": name,
        "code": code,
        # Computed from the rate that sets the colour, so text and colour never disagree.
        "percent": number_format(round(100 * rate, 1), 1),
    }
    if label is None:
        return gettext("%(name)s (%(code)s): %(percent)s%% of counters open") % values
    values |= {"open": number_format(label.not_closed), "total": number_format(label.total)}
    return (
        gettext("%(name)s (%(code)s): %(percent)s%% of counters open (%(open)s of %(total)s)")
        % values
    )


def choropleth_svg(
    values: Mapping[str, float | None],
    labels: Mapping[str, DepartementLabel] | None = None,
    *,
    title: str | None = None,
    id_prefix: str = "continuite-map",
    classes: RateClasses | None = None,
    shape_title: Callable[[str, str, float | None], str] | None = None,
    description: str | None = None,
) -> SafeString:
    """An accessible <svg> map colouring each département by its open rate in [0, 1].

    Codes missing from `values`, or mapped to None, are drawn as "no data". `labels` gives
    the name and counts shown in each département's tooltip; the GeoJSON name is the fallback.
    `id_prefix` must be unique in the page when several maps are shown.

    Another rate than the open rate: `classes` (default `rate_class`), `shape_title(code,
    name, rate)` for each tooltip, and `description` with a `%(summary)s` of the classes.
    """
    geometry = _geometry()
    classes = classes or rate_class
    paths, counts = _paths(geometry, values, labels or {}, classes, shape_title)
    if description is None:
        description = gettext(
            "Map of France coloured by the share of counters open in each département; "
            "overseas départements are shown in boxes on the left. %(summary)s."
        )
    description = description % {"summary": _summary(classes, counts)}
    title_id, desc_id = escape(f"{id_prefix}-title"), escape(f"{id_prefix}-desc")
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="continuite-map"'
        f' viewBox="0 0 {_num(geometry.width)} {_num(geometry.height)}"'
        f' role="img" aria-labelledby="{title_id} {desc_id}">'
        f'<title id="{title_id}">'
        f"{escape(title or gettext('Open rate of counters by département'))}</title>"
        f'<desc id="{desc_id}">{escape(description)}</desc>'
        f'<g class="continuite-insets">{_insets(geometry)}</g>'
        f'<g fill-rule="evenodd" stroke="#ffffff" stroke-width="0.4" stroke-linejoin="round">'
        f"{''.join(paths)}</g></svg>"
    )
    return mark_safe(svg)


def _paths(geometry, values, labels, classes, shape_title) -> tuple[list[str], list[int]]:
    """One coloured path per département with its tooltip, and the count of each class."""
    counts = [0] * (len(classes.colors) + 1)
    paths = []
    for shape in geometry.shapes:
        rate = values.get(shape.code)
        index = classes.index(rate)
        if index is None:
            rate = None
        counts[-1 if index is None else index] += 1
        label = labels.get(shape.code)
        name = label.label if label is not None and label.label else shape.name
        if shape_title is None:
            tooltip = _title(shape.code, name, rate, label)
        else:
            tooltip = shape_title(shape.code, name, rate)
        paths.append(
            f'<path class="continuite-dep" data-code="{escape(shape.code)}"'
            f' fill="{classes.color(rate)}" d="{shape.d}">'
            f"<title>{escape(tooltip)}</title></path>"
        )
    return paths, counts


def _summary(classes, counts: list[int]) -> str:
    return "; ".join(
        ngettext("%(label)s: %(count)s département", "%(label)s: %(count)s départements", n)
        % {"label": class_label, "count": n}
        for class_label, n in zip(classes.labels(), counts, strict=True)
        if n
    )


def _insets(geometry) -> str:
    """The boxes of the overseas départements, with their names."""
    return "".join(
        f'<rect x="{_num(i.x)}" y="{_num(i.y)}" width="{_num(i.width)}"'
        f' height="{_num(i.height)}" fill="none" stroke="#929292" stroke-width="0.8"/>'
        f'<text x="{_num(i.x + INSET_PAD)}" y="{_num(i.y + CAPTION_HEIGHT - 2)}"'
        f' font-size="9" fill="#3a3a3a">{escape(i.name)}</text>'
        for i in geometry.insets
    )
