"""The sample grids' PNG writer (no imaging library): read back byte by byte, and by Pillow where
it is installed."""

import struct
import zlib

import numpy as np
import pytest

from jaxdl.generative import grid


def read_png(data: bytes) -> np.ndarray:
    """A minimal reader for what png_bytes writes: checks every CRC, undoes filter 0."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = {}, 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks[kind], at = body, at + 12 + length
    width, height, depth, color_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert depth == 8 and b"IEND" in chunks
    channels = {0: 1, 2: 3}[color_type]
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(height, -1)
    assert (rows[:, 0] == 0).all()  # filter type 0 on every row
    return rows[:, 1:].reshape(height, width, channels)


@pytest.mark.parametrize("channels", [1, 3])
def test_png_holds_the_exact_pixels(channels):
    image = np.random.default_rng(0).integers(0, 256, (5, 7, channels), dtype=np.uint8)
    np.testing.assert_array_equal(read_png(grid.png_bytes(image)), image)


def test_a_saved_grid_is_the_tiled_images_scaled(tmp_path):
    images = np.linspace(-1, 1, 3 * 4 * 4).reshape(3, 4, 4, 1)
    path = grid.save_png(images, tmp_path / "sub" / "grid.png", columns=2, scale=2)
    pixels = read_png(path.read_bytes())
    expected = np.kron(grid.to_uint8(grid.tile(images, 2)), np.ones((2, 2, 1), np.uint8))
    assert pixels.shape == (2 * 9, 2 * 9, 1)
    np.testing.assert_array_equal(pixels, expected)
    assert pixels[0, 0, 0] == 0 and pixels[-1, -1, 0] == 255  # -1 is black, the empty cell white


def test_pillow_reads_the_same_pixels(tmp_path):
    Image = pytest.importorskip("PIL.Image")  # with the [pretrained] or [plots] extra
    image = np.random.default_rng(1).integers(0, 256, (6, 3, 3), dtype=np.uint8)
    (tmp_path / "rgb.png").write_bytes(grid.png_bytes(image))
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "rgb.png")), image)
