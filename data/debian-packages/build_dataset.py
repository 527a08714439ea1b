#!/usr/bin/env python3
"""Build the debian-packages ranking dataset from Debian's package descriptions.

Query = a package's short (one-line) description; the relevant passage = its
long description. The text comes from two APT index files of Debian 12
"bookworm" main, as fetched from deb.debian.org by

    apt-get update -o Acquire::Languages=en

  * dists/bookworm/main/i18n/Translation-en  (Package, Description-md5, Description-en)
  * dists/bookworm/main/binary-amd64/Packages (Package, Source, Section, Description-md5)

APT stores them under /var/lib/apt/lists/ (here lz4-compressed); .lz4 (read
through the lz4cat program), .gz, .xz and uncompressed files are accepted.

Rebuild (from the repository root):

    python3 data/debian-packages/build_dataset.py

It writes, next to this script: train.jsonl ({"package", "query", "positive"}),
eval/ as a BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv) and
README.md. Everything is deterministic for given input files; only the build
date in README.md changes between runs.

Standard library only.
"""

import argparse
import collections
import datetime
import gzip
import hashlib
import json
import lzma
import os
import re
import subprocess
import sys

LISTS = "/var/lib/apt/lists"
DEFAULT_TRANSLATION = f"{LISTS}/deb.debian.org_debian_dists_bookworm_main_i18n_Translation-en.lz4"
DEFAULT_PACKAGES = f"{LISTS}/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4"
DEFAULT_RELEASE = f"{LISTS}/deb.debian.org_debian_dists_bookworm_InRelease"
OUT_DIR = os.path.dirname(os.path.abspath(__file__))

EVAL_SIZE = 1000
MIN_LONG_CHARS = 100
# Caps the train split (smallest hashes first): uncapped, the files come to
# about 28 MB (9 MB gzip-compressed), more than the ~25 MB we want to ship.
MAX_TRAIN = 25000

JUNK_SHORT = re.compile(r"transitional|dummy package|meta[- ]?package", re.IGNORECASE)
DEBUG_SHORT = re.compile(r"\bdebug(ging)? symbols\b", re.IGNORECASE)
# Some descriptions write links in the old "<URL:http://...>" style.
URL_MARKUP = re.compile(r"<URL:\s*([^>\s]+)\s*>")
SPACES = re.compile(r"\s+")
# A few descriptions end a sentence with a stray " ." ("connections.  ."), a
# paragraph separator mistyped at the end of a line.
STRAY_DOT = re.compile(r"([.!?:])\s+\.(?=\s|$)")
WORDS = re.compile(r"[\W_]+")


# ---------------------------------------------------------------- reading


def require_file(path):
    if not os.path.isfile(path):
        sys.exit(
            f"error: {path} not found.\n"
            "Fetch Debian's index files first: apt-get update -o Acquire::Languages=en\n"
            "(or pass the file's path; see --help)."
        )


def open_index(path):
    """Opens an APT index file as text lines, decompressing by file extension.

    Lines end at "\n" only: a description could hold other line-break characters.
    """
    require_file(path)
    if path.endswith(".lz4"):
        # Python's standard library has no lz4; lz4cat ships with the lz4 package.
        proc = subprocess.run(["lz4cat", path], check=True, stdout=subprocess.PIPE)
        return proc.stdout.decode("utf-8").split("\n")
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", newline="\n")
    if path.endswith(".xz"):
        return lzma.open(path, "rt", encoding="utf-8", newline="\n")
    return open(path, encoding="utf-8", newline="\n")


def read_stanzas(lines):
    """Yields each deb822 stanza as {field: value}; continuation lines stay in the value, one per line."""
    stanza, field = {}, None
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if stanza:
                yield stanza
            stanza, field = {}, None
        elif line[0] in " \t":
            stanza[field] += "\n" + line
        else:
            field, _, value = line.partition(":")
            stanza[field] = value.strip()
    if stanza:
        yield stanza


def read_packages(path):
    """Maps (package, Description-md5) to (source package, section) for the binary packages in the index."""
    binaries = {}
    for st in read_stanzas(open_index(path)):
        name = st["Package"]
        # "Source: foo (1.2-3)" names a source whose version differs from the binary's.
        source = st.get("Source", name).split()[0]
        binaries[(name, st["Description-md5"])] = (source, st.get("Section", ""))
    return binaries


def read_descriptions(path):
    """Yields (package, Description-md5, raw description) from a Translation-en file."""
    for st in read_stanzas(open_index(path)):
        yield st["Package"], st["Description-md5"], st["Description-en"]


def read_release(path):
    """Returns the 'Version' and 'Date' fields of the InRelease file, or {} if it is absent."""
    if not os.path.isfile(path):
        return {}
    with open(path, encoding="utf-8") as f:
        # The signed file starts with a PGP header; its first stanza after that is the Release data.
        lines = [l for l in f if not l.startswith(("-----BEGIN", "Hash:"))]
    for st in read_stanzas(lines):
        if "Date" in st:
            return {k: st[k] for k in ("Version", "Date") if k in st}
    return {}


# ---------------------------------------------------------------- cleaning


def clean_long(raw_lines):
    """Turns the extended description into plain text: one line per paragraph."""
    paragraphs, current = [], []
    for line in raw_lines:
        text = line[1:] if line.startswith(" ") else line
        if text.strip() == ".":
            # " ." is Debian's paragraph separator.
            paragraphs.append(current)
            current = []
        else:
            current.append(text.strip())
    paragraphs.append(current)
    out = []
    for p in paragraphs:
        text = SPACES.sub(" ", URL_MARKUP.sub(r"\1", " ".join(p))).strip()
        text = STRAY_DOT.sub(r"\1", text)
        if text:
            out.append(text)
    return "\n".join(out)


def split_description(raw):
    """Splits a raw Description-en value into (short, long) cleaned text."""
    first, *rest = raw.split("\n")
    return SPACES.sub(" ", first).strip(), clean_long(rest)


# ---------------------------------------------------------------- filtering


def is_junk(package, short, long, section):
    """Transitional, dummy, meta and debug-symbol packages, and too-short descriptions."""
    return (
        JUNK_SHORT.search(short) is not None
        or DEBUG_SHORT.search(short) is not None
        or package.endswith(("-dbg", "-dbgsym"))
        or section.split("/")[-1] == "debug"
        or len(long) < MIN_LONG_CHARS
    )


def one_per_source(rows):
    """Keeps one binary per source package: its namesake, else the shortest name (ties by name).

    Binaries of one source often share most of their description ("This package
    contains the data files"), which would make near-duplicate passages.
    """
    by_source = collections.defaultdict(list)
    for row in rows:
        by_source[row["source"]].append(row)
    kept = []
    for source, group in by_source.items():
        kept.append(min(group, key=lambda r: (r["package"] != source, len(r["package"]), r["package"])))
    return kept


def without_own_name(row):
    """The passage's words, lower-cased, less the words of its package's and source's names.

    Templated descriptions (e.g. "This package contains the source for the Rust
    foo crate, packaged by debcargo ...") differ only in that name; they carry
    nothing the query could be matched on, so they count as duplicates.
    """
    name = set(WORDS.split(row["package"].casefold()) + WORDS.split(row["source"].casefold()))
    return " ".join(w for w in WORDS.split(row["positive"].casefold()) if w and w not in name)


def drop_ambiguous(rows):
    """Drops every row whose query (case-insensitively) or passage is shared with another row.

    A shared query or passage would have more than one correct answer, and the
    qrels mark only one. Passages also count as shared when they are equal apart
    from the package's own name.
    """
    keys = [
        lambda r: r["query"].casefold(),
        lambda r: r["positive"],
        without_own_name,
    ]
    counts = [collections.Counter(key(r) for r in rows) for key in keys]
    return [r for r in rows if all(c[key(r)] == 1 for key, c in zip(keys, counts))]


def build_rows(translation_path, packages_path, stats):
    binaries = read_packages(packages_path)
    rows, seen = [], set()
    for package, md5, raw in read_descriptions(translation_path):
        # Translation-en also lists descriptions of other architectures' builds;
        # the (package, md5) pair picks the one amd64 ships (the first, should
        # two versions of a package both be listed).
        if (package, md5) not in binaries or package in seen:
            continue
        seen.add(package)
        source, section = binaries[(package, md5)]
        short, long = split_description(raw)
        stats["described amd64 binaries"] += 1
        if is_junk(package, short, long, section):
            stats["dropped: transitional/dummy/meta/debug or long < 100 chars"] += 1
            continue
        rows.append({"package": package, "source": source, "query": short, "positive": long})
    stats["binaries left"] = len(rows)
    rows = one_per_source(rows)
    stats["after one binary per source"] = len(rows)
    rows = drop_ambiguous(rows)
    stats["after dropping shared queries/passages"] = len(rows)
    return sorted(rows, key=lambda r: r["package"])


# ---------------------------------------------------------------- splitting and writing


def split(rows, eval_size, max_train):
    """Eval = the eval_size packages with the smallest sha256(name); train = the next ones."""
    ranked = sorted(rows, key=lambda r: hashlib.sha256(r["package"].encode("utf-8")).hexdigest())
    eval_rows = ranked[:eval_size]
    train_rows = ranked[eval_size:] if max_train is None else ranked[eval_size : eval_size + max_train]
    by_name = lambda r: r["package"]
    return sorted(train_rows, key=by_name), sorted(eval_rows, key=by_name), len(ranked) - eval_size


def write_jsonl(path, objects):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for obj in objects:
            f.write(json.dumps(obj, ensure_ascii=False) + "\n")


def train_record(row):
    return {"package": row["package"], "query": row["query"], "positive": row["positive"]}


def write_outputs(out_dir, train_rows, eval_rows):
    """Writes train.jsonl and the BEIR eval folder; returns the written paths."""
    corpus_rows = sorted(train_rows + eval_rows, key=lambda r: r["package"])
    paths = {
        "train.jsonl": os.path.join(out_dir, "train.jsonl"),
        "eval/corpus.jsonl": os.path.join(out_dir, "eval", "corpus.jsonl"),
        "eval/queries.jsonl": os.path.join(out_dir, "eval", "queries.jsonl"),
        "eval/qrels/test.tsv": os.path.join(out_dir, "eval", "qrels", "test.tsv"),
    }
    write_jsonl(paths["train.jsonl"], (train_record(r) for r in train_rows))
    write_jsonl(paths["eval/corpus.jsonl"], ({"_id": r["package"], "title": "", "text": r["positive"]} for r in corpus_rows))
    write_jsonl(paths["eval/queries.jsonl"], ({"_id": r["package"], "text": r["query"]} for r in eval_rows))
    os.makedirs(os.path.dirname(paths["eval/qrels/test.tsv"]), exist_ok=True)
    with open(paths["eval/qrels/test.tsv"], "w", encoding="utf-8", newline="\n") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for r in eval_rows:
            f.write(f"{r['package']}\t{r['package']}\t1\n")
    return paths


def sizes(path):
    """(raw bytes, gzip -6 bytes) of a file."""
    with open(path, "rb") as f:
        data = f.read()
    return len(data), len(gzip.compress(data, compresslevel=6, mtime=0))


# ---------------------------------------------------------------- report


def text_stats(texts):
    n = max(len(texts), 1)
    return sum(len(t) for t in texts) / n, sum(len(t.split()) for t in texts) / n


def summary_lines(train_rows, eval_rows, stats):
    corpus = train_rows + eval_rows
    qc, qw = text_stats([r["query"] for r in corpus])
    pc, pw = text_stats([r["positive"] for r in corpus])
    lines = [f"{k}: {v}" for k, v in stats.items()]
    lines += [
        f"train rows: {len(train_rows)}",
        f"eval queries: {len(eval_rows)}",
        f"corpus documents: {len(corpus)}",
        f"query length (train + eval): {qc:.1f} characters, {qw:.1f} words on average",
        f"passage length (train + eval): {pc:.1f} characters, {pw:.1f} words on average",
    ]
    return lines


def write_readme(out_dir, paths, train_rows, eval_rows, stats, capped_from, release):
    size_rows, total_raw, total_gz = [], 0, 0
    for name, path in paths.items():
        raw, gz = sizes(path)
        total_raw, total_gz = total_raw + raw, total_gz + gz
        size_rows.append(f"| `{name}` | {raw:,} | {gz:,} |")
    size_rows.append(f"| total | {total_raw:,} | {total_gz:,} |")
    release_text = ", ".join(f"{k} {v}" for k, v in release.items()) or "not recorded"
    cap_text = (
        f"The train split is capped at the next {len(train_rows)} packages by hash,\n"
        f"of the {capped_from} not in eval, to keep the shipped files small; the\n"
        f"{capped_from - len(train_rows)} left out are not in the corpus either."
        if capped_from > len(train_rows)
        else "The train split is not capped."
    )
    summary = "\n".join(f"- {l}" for l in summary_lines(train_rows, eval_rows, stats))
    example = json.dumps(train_record(train_rows[0]), ensure_ascii=False) if train_rows else "(none)"
    text = f"""# debian-packages

A small text-ranking dataset from Debian package descriptions: the query is a
package's short (one-line) description, the relevant passage is the same
package's long description. Each query has one passage marked relevant (its
own package's); the filters below remove the obvious cases where another
passage would fit as well, but not every such case.

## Origin

Debian 12 "bookworm", `main` component, from deb.debian.org:

- `dists/bookworm/main/i18n/Translation-en` — the English descriptions;
- `dists/bookworm/main/binary-amd64/Packages` — which binary packages amd64 ships
  and their source packages.

Both were fetched with `apt-get update -o Acquire::Languages=en` and read from
`/var/lib/apt/lists/`. The bookworm InRelease file they were listed in:
{release_text}. Built on {datetime.date.today().isoformat()}.

Rebuild (from the repository root, after the `apt-get update` above):

    python3 data/debian-packages/build_dataset.py

`build_dataset.py --help` lists options for other index file paths. A newer
point release of bookworm changes the descriptions a little and so the files.

## Processing

- Text: the short description is stripped; in the long description each
  line loses its leading space, " ." lines separate paragraphs, the lines of a
  paragraph are joined with single spaces (list items included), and
  paragraphs are joined with "\\n". `<URL:...>` markup is reduced to the URL.
- Only descriptions that the amd64 `Packages` index names (by package and
  `Description-md5`) are used.
- Dropped: packages whose short description contains "transitional",
  "dummy package" or "metapackage" / "meta package" / "meta-package"
  (case-insensitive); debug-symbol packages
  (name ending in `-dbg`/`-dbgsym`, section `debug`, or "debug symbols" in the
  short description); long descriptions under {MIN_LONG_CHARS} characters.
- Then one binary package per source package: the one named like the source,
  else the shortest name, ties broken by name. (Binaries of one source often
  share most of their long description.)
- Then every row whose short description (case-insensitively) or long
  description occurs in more than one row is dropped, all copies of it. Long
  descriptions also count as the same when their words (lower-cased) are equal
  once the words of the package's own and source's names are removed: that
  drops templates such as Rust crates' "This package contains the source for
  the Rust foo crate, packaged by debcargo ...", which say nothing about what
  the query describes.

## Split

Packages are ranked by the SHA-256 of their name (UTF-8, hex); the first
{EVAL_SIZE} are the eval set, the rest train.
{cap_text}
All files are sorted by package name.

## Files

- `train.jsonl`: `{{"package", "query", "positive"}}` per line (the "pairs" format).
- `eval/` (BEIR layout): `corpus.jsonl` (`{{"_id", "title", "text"}}`, `_id` = package
  name, `title` empty) holds the passages of all kept packages, train and eval,
  so eval retrieval runs over the whole collection; `queries.jsonl`
  (`{{"_id", "text"}}`) the eval queries; `qrels/test.tsv` one
  `package<TAB>package<TAB>1` line per eval query.

Counts:

{summary}

Sizes in bytes (gzip: level 6; README.md and build_dataset.py not included):

| file | raw | gzip |
|---|---:|---:|
{chr(10).join(size_rows)}

Example train row:

    {example}

## Licence

The descriptions are written by Debian maintainers and upstream authors. Each
is part of a package in Debian main and so is distributed under that package's
DFSG-free licence (see `/usr/share/doc/<package>/copyright` in each package).
Debian's archive index files, from which this was extracted, are public.
This dataset adds no text of its own besides the file structure above.

## Baseline

`bm25_check.py` runs BM25 (standard library only) for the eval queries over the
whole corpus and prints MRR@10 and Recall@10/100, a lexical reference for
trained rerankers.
"""
    with open(os.path.join(out_dir, "README.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return total_raw, total_gz


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--translation", default=DEFAULT_TRANSLATION, help="Translation-en index (.lz4/.gz/.xz/plain)")
    parser.add_argument("--packages", default=DEFAULT_PACKAGES, help="binary-amd64 Packages index (.lz4/.gz/.xz/plain)")
    parser.add_argument("--release", default=DEFAULT_RELEASE, help="InRelease file, for the version recorded in README.md (optional)")
    parser.add_argument("--out", default=OUT_DIR, help="output folder (default: this script's folder)")
    parser.add_argument("--max-train", type=int, default=MAX_TRAIN, help="cap on train rows, -1 for none (default: %(default)s)")
    args = parser.parse_args()
    for path in (args.translation, args.packages):
        require_file(path)  # both, before the slow parsing

    stats = collections.Counter()
    rows = build_rows(args.translation, args.packages, stats)
    train_rows, eval_rows, capped_from = split(rows, EVAL_SIZE, None if args.max_train < 0 else args.max_train)
    paths = write_outputs(args.out, train_rows, eval_rows)
    raw, gz = write_readme(args.out, paths, train_rows, eval_rows, dict(stats), capped_from, read_release(args.release))
    for line in summary_lines(train_rows, eval_rows, dict(stats)):
        print(line)
    print(f"data files: {raw:,} bytes, {gz:,} bytes gzip-compressed")


if __name__ == "__main__":
    main()
