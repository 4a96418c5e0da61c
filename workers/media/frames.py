"""Decode video frames into numpy arrays through an ffmpeg rawvideo pipe.

Pure compute (no Django). The binaries and ``probe_video`` come from workers/media/probing.py.

Timestamps: every read goes through ffmpeg's ``fps`` filter (at the requested rate, or at the stream's average
rate when none is given), so the output is constant-frame-rate and frame ``k`` is labelled ``start + k / fps``
seconds even when the source is variable-frame-rate. The filter runs with ``round=up`` so that frame ``k`` is the
one on screen at that instant (the latest source frame with pts ≤ k / fps); ffmpeg's default ``round=near`` hands
back a frame up to half an output interval *later* (2.5 s late at SLAC's 0.2 fps). One caveat: after seeking to a
``start`` that falls between two source frames, the first output frame is the next source frame.
"""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

import ffmpeg
import numpy as np

from workers.media.probing import VideoDecodeError, VideoInfo, ffmpeg_binary, probe_video, rate_arg

# SLAC §3.4: de-dup frames are sampled at 0.2 fps, resized to short side 256 and centre-cropped to 224×224.
DEDUP_FPS = 0.2
DEDUP_SHORT_SIDE = 256
DEDUP_CROP = 224

DEFAULT_BATCH_FRAMES = 64


@dataclass(frozen=True)
class FrameBatch:
    frames: np.ndarray  # N×H×W×3 uint8 RGB
    timestamps: np.ndarray  # N float64 seconds from the start of the file

    def __len__(self) -> int:
        return int(self.frames.shape[0])


def read_frames(
    *,
    path: str | os.PathLike[str],
    fps: float | None = None,
    size: tuple[int, int] | None = None,
    short_side: int | None = None,
    start: float = 0,
    duration: float | None = None,
) -> FrameBatch:
    """All frames of ``[start, start + duration)`` at ``fps`` (native rate if None) in one array.

    ``size`` is (width, height) and wins over ``short_side``, which scales keeping the aspect ratio. For long videos
    use :func:`iter_frames`, whose memory does not grow with the video.
    """
    batches = list(iter_frames(path=path, fps=fps, size=size, short_side=short_side, start=start, duration=duration))
    if not batches:
        width, height = _output_size(info=probe_video(path=path), size=size, short_side=short_side)
        return FrameBatch(frames=np.zeros((0, height, width, 3), np.uint8), timestamps=np.zeros(0))
    return FrameBatch(
        frames=np.concatenate([b.frames for b in batches]),
        timestamps=np.concatenate([b.timestamps for b in batches]),
    )


def iter_frames(
    *,
    path: str | os.PathLike[str],
    fps: float | None = None,
    size: tuple[int, int] | None = None,
    short_side: int | None = None,
    start: float = 0,
    duration: float | None = None,
    batch_frames: int = DEFAULT_BATCH_FRAMES,
) -> Iterator[FrameBatch]:
    """Stream frames in batches of at most ``batch_frames``; same arguments as :func:`read_frames`.

    The ffmpeg process is killed if the caller stops iterating early.
    """
    info = probe_video(path=path)
    rate = float(fps) if fps else info.fps
    if rate <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    width, height = _output_size(info=info, size=size, short_side=short_side)
    input_kwargs: dict[str, float] = {}
    if start:
        input_kwargs["ss"] = float(start)  # input seeking: fast and frame-accurate since ffmpeg 2.1 (decodes)
    if duration is not None:
        input_kwargs["t"] = float(duration)
    stream = ffmpeg.input(str(path), **input_kwargs).video.filter("fps", fps=rate_arg(rate), round="up")  # see top
    if (width, height) != (info.width, info.height):
        stream = stream.filter("scale", width, height)
    args = (
        stream.output("pipe:", format="rawvideo", pix_fmt="rgb24")
        .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
        .compile(cmd=ffmpeg_binary())
    )
    frame_bytes = width * height * 3
    # stderr goes to a temp file, not a pipe: an undrained stderr pipe can fill and deadlock ffmpeg.
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors)
        stdout = process.stdout
        assert isinstance(stdout, io.BufferedIOBase)  # stdout=PIPE, buffered (for the type checker)
        index = 0
        try:
            while True:
                # A fresh bytearray per batch: the arrays handed out are writable and never reused under the caller.
                buffer = bytearray(frame_bytes * batch_frames)
                filled = _read_into(stdout, buffer)
                count = filled // frame_bytes
                if count:
                    frames = np.frombuffer(buffer, np.uint8, count=count * frame_bytes).reshape(count, height, width, 3)
                    timestamps = float(start) + (index + np.arange(count)) / rate
                    index += count
                    yield FrameBatch(frames=frames, timestamps=timestamps)
                if filled < len(buffer):
                    break
            if process.wait() != 0:
                errors.seek(0)
                message = errors.read().decode(errors="replace")[-2000:]
                raise VideoDecodeError(f"ffmpeg failed on {path} (exit {process.returncode}): {message}")
        finally:
            if process.poll() is None:
                process.kill()
            stdout.close()
            process.wait()


def read_ahead(batches: Iterator[FrameBatch], *, depth: int = 2) -> Iterator[FrameBatch]:
    """The same batches, read by a thread up to ``depth`` batches ahead of the caller, so the pipe is drained (and
    ffmpeg keeps decoding) while the caller computes on the previous batch: a pipe holds 64 KiB, a fraction of
    one frame, so without a reader ffmpeg waits whenever the caller does. The thread's errors are raised here;
    stopping early closes ``batches`` (and kills its ffmpeg) in the thread that runs it."""
    import queue
    import threading

    done = object()
    pending: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                pending.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def reader() -> None:
        try:
            for batch in batches:
                if not put(batch):
                    break
        except BaseException as error:  # handed to the caller, who raises it
            put(error)
        else:
            put(done)
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=reader, name="frame-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = pending.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def read_dedup_frames(*, path: str | os.PathLike[str]) -> FrameBatch:
    """Frames for near-duplicate detection, SLAC §3.4: 0.2 fps, short side 256, central 224×224 crop.

    A video shorter than 5 s still yields its first frame (the fps filter always emits the frame at t = 0).
    """
    batch = read_frames(path=path, fps=DEDUP_FPS, short_side=DEDUP_SHORT_SIDE)
    return FrameBatch(frames=center_crop(batch.frames, size=DEDUP_CROP), timestamps=batch.timestamps)


def center_crop(frames: np.ndarray, size: int | tuple[int, int] = DEDUP_CROP) -> np.ndarray:
    """Central crop of an H×W×C image or N×H×W×C batch; ``size`` is a side or (width, height)."""
    width, height = (size, size) if isinstance(size, int) else size
    frame_h, frame_w = frames.shape[-3], frames.shape[-2]
    if height > frame_h or width > frame_w:
        raise ValueError(f"crop {width}×{height} larger than frame {frame_w}×{frame_h}")
    top = (frame_h - height) // 2
    left = (frame_w - width) // 2
    return frames[..., top : top + height, left : left + width, :]


def resize_short_side(frames: np.ndarray, short_side: int = DEDUP_SHORT_SIDE) -> np.ndarray:
    """Resize an H×W×3 image or N×H×W×3 batch so its short side is ``short_side`` (aspect kept), uint8 out.

    Prefer ``read_frames(short_side=...)``, which scales inside ffmpeg; this is for frames already in memory.
    """
    from skimage.transform import resize

    frame_h, frame_w = frames.shape[-3], frames.shape[-2]
    width, height = _scaled_to_short_side(width=frame_w, height=frame_h, short_side=short_side)
    out_shape = (*frames.shape[:-3], height, width, frames.shape[-1])
    resized = resize(frames, out_shape, order=1, anti_aliasing=True, preserve_range=True)
    return np.clip(np.rint(resized), 0, 255).astype(np.uint8)


def _output_size(*, info: VideoInfo, size: tuple[int, int] | None, short_side: int | None) -> tuple[int, int]:
    if size is not None:
        return int(size[0]), int(size[1])
    if short_side is not None:
        return _scaled_to_short_side(width=info.width, height=info.height, short_side=short_side)
    return info.width, info.height


def _scaled_to_short_side(*, width: int, height: int, short_side: int) -> tuple[int, int]:
    if width <= height:
        return short_side, max(1, round(height * short_side / width))
    return max(1, round(width * short_side / height)), short_side


def _read_into(stream: io.BufferedIOBase, buffer: bytearray) -> int:
    """Fill ``buffer`` from ``stream`` until it is full or the stream ends; return the bytes read."""
    view = memoryview(buffer)
    filled = 0
    while filled < len(buffer):
        read = stream.readinto(view[filled:])
        if not read:
            break
        filled += read
    return filled
