"""Pronunciation: how often planbot's pinyin front end reads a syllable differently from the reference.

`python -m bench.pronunciation_bench` prints a JSON summary and writes bench/results/pronunciation.json
with every syllable that differs. The reference (bench/pronunciation.tsv) was checked by hand; see its
header. Compared: the front end as shipped (pypinyin + voice/data/readings.toml + the 一/不 and 为
rules) and pypinyin alone (its phrase dictionary, no table, no tone changes), the baseline.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from voice.pinyin import syllables

DATA = Path(__file__).with_name("pronunciation.tsv")
RESULTS = Path(__file__).resolve().parent / "results"
TARGET = 0.005  # issue 16: at most 0.5% of syllables read differently from the reference


@dataclass(frozen=True)
class Item:
    id: str
    split: str
    source: str
    text: str
    reference: tuple[str, ...]


def load(path: Path = DATA) -> list[Item]:
    items = []
    rows = [
        line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")
    ]
    header = rows[0].split("\t")
    for row in rows[1:]:
        record = dict(zip(header, row.split("\t"), strict=False))
        reference = tuple(_normal(s) for s in record["pinyin"].split())
        if len(reference) != len(re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff〇]", record["text"])):
            raise ValueError(f"{path}: item {record['id']} has one syllable per character? it has not")
        items.append(Item(record["id"], record["split"], record["source"], record["text"], reference))
    return items


def _normal(syllable: str) -> str:
    return syllable.replace("v", "ü")


def _pypinyin_alone(text: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    han = "".join(re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff〇]", text))
    return lazy_pinyin(han, style=Style.TONE3, neutral_tone_with_five=True, v_to_u=True)


def score(items: list[Item], read) -> dict[str, object]:
    """Share of syllables read differently from the reference, overall and per split and source."""
    differ: list[dict[str, str]] = []
    counts: dict[str, list[int]] = {}
    for item in items:
        said = [_normal(s) for s in read(item.text)]
        chars = re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff〇]", item.text)
        wrong = [i for i, (a, b) in enumerate(zip(said, item.reference, strict=True)) if a != b]
        for group in ("all", item.split, item.source):
            tally = counts.setdefault(group, [0, 0, 0])
            tally[0] += len(item.reference)
            tally[1] += len(wrong)
            tally[2] += 1
        for i in wrong:
            context = "".join(chars[max(0, i - 3) : i + 4])
            differ.append(
                {
                    "id": item.id,
                    "split": item.split,
                    "char": chars[i],
                    "context": context,
                    "said": said[i],
                    "reference": item.reference[i],
                }
            )
    rates = {
        group: {"syllables": n, "differ": bad, "items": k, "error": round(bad / n, 5)}
        for group, (n, bad, k) in counts.items()
    }
    return {"rates": rates, "differ": differ}


def run(write: bool = True) -> dict[str, object]:
    items = load()
    ours = score(items, lambda text: [s.pinyin for s in syllables(text)])
    baseline = score(items, _pypinyin_alone)
    error = ours["rates"]["all"]["error"]
    summary = {
        "items": len(items),
        "syllables": ours["rates"]["all"]["syllables"],
        "error": error,
        "target": TARGET,
        "met": error <= TARGET,
        "error_dev": ours["rates"]["dev"]["error"],
        "error_held_out": ours["rates"]["held_out"]["error"],
        "error_pypinyin_alone": baseline["rates"]["all"]["error"],
        "differ": [
            f"{d['context']}: {d['char']} {d['said']} (reference {d['reference']})" for d in ours["differ"]
        ],
    }
    if write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        detail = {"summary": summary, "planbot": ours, "pypinyin_alone": baseline}
        (RESULTS / "pronunciation.json").write_text(
            json.dumps(detail, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    return summary


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=1))
