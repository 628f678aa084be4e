"""A page image made ready for OCR: red seal ink faded out, a photographed page's quadrilateral
warped back to a rectangle, the page turned upright (90° steps) and straightened (small skew), as
a grayscale image.

The seal: stamps are printed in red over the figures they certify; in the red channel red ink is
as light as the paper while black print stays dark, so the red channel is the grayscale read.
Perspective: a photo shows the sheet as a bright quadrilateral on a darker ground; its four corners
give the warp back to a rectangle. A scan (paper to the edges, or no clear four-cornered outline)
is left as it is. Orientation and skew: lines of text and table rules make the row profile of an upright page
sharply peaked; the angle whose profile varies most is the page's.
"""

from __future__ import annotations

import cv2
import numpy as np

SKEW_LIMIT = 5.0  # degrees either way
SKEW_STEP = 0.2
MIN_SHEET = 0.2  # of the image's area: a smaller bright quadrilateral is not the sheet
SHEET_FIT = 0.95  # of the quadrilateral's area that the bright outline must fill (a clear four-cornered sheet)
FLAT = 0.01  # of the image's side: corners this close to the image's are a scan, left as it is
_SMALL = 800  # pixels on the long side for finding the angle


def prepare(rgb: np.ndarray) -> np.ndarray:
    """The page's grayscale, seal ink removed, upright and straight."""
    gray = np.ascontiguousarray(rgb[:, :, 0])
    gray = _unwarped(gray)
    gray = _upright(gray)
    angle = _skew(gray)
    if abs(angle) >= SKEW_STEP / 2:
        gray = _rotate(gray, angle)
    return gray


def _ink(gray: np.ndarray) -> np.ndarray:
    """A small binary image of the page's ink (1 = ink), for measuring angles."""
    scale = _SMALL / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink


def _unwarped(gray: np.ndarray) -> np.ndarray:
    """A photographed sheet warped from its quadrilateral to a rectangle of its own size; the page
    unchanged when no clear sheet on a darker ground is found."""
    corners = _sheet(gray)
    if corners is None:
        return gray
    top, right, bottom, left = (np.linalg.norm(corners[i] - corners[(i + 1) % 4]) for i in range(4))
    width, height = int(round(max(top, bottom))), int(round(max(left, right)))
    target = np.float32([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    warp = cv2.getPerspectiveTransform(corners, target)
    return cv2.warpPerspective(gray, warp, (width, height), flags=cv2.INTER_LINEAR, borderValue=255)


def _sheet(gray: np.ndarray) -> np.ndarray | None:
    """The sheet's corners (top-left, top-right, bottom-right, bottom-left) in the page's pixels:
    the largest bright outline, when it is nearly a quadrilateral, large, and not the image's own
    edges (a scan)."""
    scale = _SMALL / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    _, bright = cv2.threshold(cv2.GaussianBlur(small, (5, 5), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    quad = cv2.approxPolyDP(cv2.convexHull(outline), 0.02 * cv2.arcLength(outline, True), True)
    area = cv2.contourArea(quad) if len(quad) == 4 else 0.0
    if area < MIN_SHEET * small.size or cv2.contourArea(outline) < SHEET_FIT * area:
        return None
    points = quad.reshape(4, 2).astype(np.float32)
    total, diff = points.sum(axis=1), points[:, 0] - points[:, 1]
    corners = points[[np.argmin(total), np.argmax(diff), np.argmax(total), np.argmin(diff)]]
    frame = np.float32([[0, 0], [small.shape[1] - 1, 0], [small.shape[1] - 1, small.shape[0] - 1], [0, small.shape[0] - 1]])
    if np.abs(corners - frame).max() <= FLAT * max(small.shape):
        return None
    return corners / scale


def _sharpness(ink: np.ndarray) -> float:
    return float(np.var(ink.sum(axis=1)))


def _upright(gray: np.ndarray) -> np.ndarray:
    """A page turned by 90° (landscape scan of a portrait page, or the reverse) turned back: rows
    of text give a peaked row profile only when they run across."""
    ink = _ink(gray)
    if _sharpness(ink.T) > 1.5 * _sharpness(ink):
        return cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE)
    return gray


def _skew(gray: np.ndarray) -> float:
    """The small angle (degrees) that makes the page's rows of ink level."""
    ink = _ink(gray)
    centre = (ink.shape[1] / 2, ink.shape[0] / 2)
    best, best_angle = -1.0, 0.0
    for angle in np.arange(-SKEW_LIMIT, SKEW_LIMIT + SKEW_STEP / 2, SKEW_STEP):
        turned = cv2.warpAffine(ink, cv2.getRotationMatrix2D(centre, angle, 1.0), ink.shape[::-1])
        score = _sharpness(turned)
        if score > best:
            best, best_angle = score, float(angle)
    return best_angle


def _rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    centre = (gray.shape[1] / 2, gray.shape[0] / 2)
    return cv2.warpAffine(gray, cv2.getRotationMatrix2D(centre, angle, 1.0), gray.shape[::-1],
                          flags=cv2.INTER_LINEAR, borderValue=255)
