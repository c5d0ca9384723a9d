"""Demo outlines for the map: every region a rectangle inside its parent's (children tiled in
rows and columns), around 新都区 in Chengdu; demo cases get a point inside their micro-grid.
Real boundaries are drawn by staff on the map (or pasted as GeoJSON)."""

from __future__ import annotations

import math
import random
from collections import defaultdict

from weiwang.cases.models import Case
from weiwang.dashboards.models import Boundary
from weiwang.regions.models import Region

# West, south, east, north of the demo district (longitude, latitude).
DISTRICT_BOX = (104.10, 30.78, 104.22, 30.88)
INSET = 0.04  # each child keeps this share of its cell free at the edges


def _tiles(box, n):
    if not n:
        return
    west, south, east, north = box
    columns = math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    width, height = (east - west) / columns, (north - south) / rows
    for index in range(n):
        row, column = divmod(index, columns)
        cell_west, cell_north = west + column * width, north - row * height
        dx, dy = width * INSET, height * INSET
        yield (cell_west + dx, cell_north - height + dy, cell_west + width - dx, cell_north - dy)


def _polygon(box) -> dict:
    west, south, east, north = (round(v, 6) for v in box)
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def seed_demo_boundaries(*, seed: int = 2022) -> int:
    """Outline every region (roots side by side); returns the boundaries written."""
    children = defaultdict(list)
    roots = []
    for region in Region.objects.order_by("path").only("pk", "parent_id"):
        (children[region.parent_id] if region.parent_id else roots).append(region.pk)
    boxes = {}
    west, south, east, north = DISTRICT_BOX
    width = east - west
    for index, root in enumerate(roots):
        boxes[root] = (west + index * width * 1.1, south, east + index * width * 1.1, north)
    queue = list(roots)
    while queue:
        parent = queue.pop()
        tiles = _tiles(boxes[parent], len(children[parent]))
        for child, box in zip(children[parent], tiles, strict=True):
            boxes[child] = box
            queue.append(child)
    Boundary.objects.bulk_create(
        [Boundary(region_id=pk, geometry=_polygon(box)) for pk, box in boxes.items()],
        batch_size=2000,
        ignore_conflicts=True,
    )
    _place_cases(boxes, random.Random(seed))
    return len(boxes)


def _place_cases(boxes, rng: random.Random) -> None:
    cases = list(Case.objects.filter(latitude__isnull=True).only("pk", "micro_grid_id"))
    for case in cases:
        west, south, east, north = boxes[case.micro_grid_id]
        case.longitude = round(rng.uniform(west, east), 6)
        case.latitude = round(rng.uniform(south, north), 6)
    Case.objects.bulk_update(cases, ["latitude", "longitude"], batch_size=2000)
