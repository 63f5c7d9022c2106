"""Image grids: many small images in [-1, 1] tiled into one PNG."""

import pathlib
import struct
import zlib

import numpy as np


def tile(images_NHWC: np.ndarray, columns: int = 8, gap: int = 1) -> np.ndarray:
    """[N, H, W, C] in [-1, 1] -> one [rows*(H+gap)-gap, columns*(W+gap)-gap, C] array; empty
    cells and gaps are 1 (white)."""
    images = np.asarray(images_NHWC, np.float32)
    n, h, w, c = images.shape
    rows = -(-n // columns)
    canvas = np.ones((rows * (h + gap) - gap, columns * (w + gap) - gap, c), images.dtype)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        canvas[r * (h + gap):r * (h + gap) + h, col * (w + gap):col * (w + gap) + w] = image
    return canvas


def to_uint8(images) -> np.ndarray:
    """[-1, 1] -> 0..255 (clipped)."""
    return np.round((np.clip(np.asarray(images, np.float32), -1, 1) + 1) * 127.5).astype(np.uint8)


def save_png(images_NHWC, path, columns: int = 8, scale: int = 2) -> pathlib.Path:
    """Writes the tiled images, each pixel `scale` x `scale`, as a greyscale or RGB PNG."""
    canvas = to_uint8(tile(images_NHWC, columns))
    canvas = np.kron(canvas, np.ones((scale, scale, 1), np.uint8))
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_bytes(canvas))
    return path


def png_bytes(image_HWC: np.ndarray) -> bytes:
    """An 8-bit greyscale (C = 1) or RGB (C = 3) PNG, written here so that sampling needs no
    imaging library: a header chunk, the zlib-compressed rows (each led by filter byte 0), an end."""
    height, width, channels = image_HWC.shape
    color_type = {1: 0, 3: 2}[channels]

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = np.concatenate([np.zeros((height, 1), np.uint8),
                           np.asarray(image_HWC, np.uint8).reshape(height, -1)], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 9)) + chunk(b"IEND", b""))
