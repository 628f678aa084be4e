"""A page image made ready for OCR: red seal ink faded out, the page turned upright (90° steps)
and straightened (small skew), as a grayscale image.

The seal: stamps are printed in red over the figures they certify; in the red channel red ink is
as light as the paper while black print stays dark, so the red channel is the grayscale read.
Orientation and skew: lines of text and table rules make the row profile of an upright page
sharply peaked; the angle whose profile varies most is the page's.
"""

from __future__ import annotations

import cv2
import numpy as np

SKEW_LIMIT = 5.0  # degrees either way
SKEW_STEP = 0.2
_SMALL = 800  # pixels on the long side for finding the angle


def prepare(rgb: np.ndarray) -> np.ndarray:
    """The page's grayscale, seal ink removed, upright and straight."""
    gray = np.ascontiguousarray(rgb[:, :, 0])
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
