"""Case photos: decoded, turned upright, shrunk to a phone-friendly size and saved again as
JPEG, so nothing of the original file survives: no EXIF location, no device data."""

from __future__ import annotations

import io
import secrets

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from weiwang.core.errors import ApplicationError

MAX_SIDE = 1600
MAX_BYTES = 15 * 1024 * 1024
MAX_PHOTOS = 6
Image.MAX_IMAGE_PIXELS = 50_000_000  # refuse decompression bombs


def clean_photo(upload) -> ContentFile:
    if upload.size > MAX_BYTES:
        raise ApplicationError(_("照片太大(超过 15 MB),请换一张。"), code="photo_size")
    try:
        with Image.open(upload) as original:
            image = ImageOps.exif_transpose(original)
            image = image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ApplicationError(
            _("“%(name)s”不是能识别的图片,请上传 JPG 或 PNG 照片。") % {"name": upload.name},
            code="photo_format",
        ) from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82, optimize=True)  # no exif= argument: none kept
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(8)}.jpg")
