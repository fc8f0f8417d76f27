"""Extract a delimited text file (UTF-8 or Windows Arabic cp1256), streamed as text.

Every value is read as text, so ids keep their leading zeros and amounts their digits; a blank
field is missing. A file in another encoding than the one declared is refused before any row
is read, with the line and the likely encoding: a cp1256 file read as UTF-8 fails to decode,
and a UTF-8 file read as cp1256 would decode into mojibake, so it is sniffed and refused.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from connectors.base import Connector, ConnectorError
from consolidation.core.sources import CsvEntity

SNIFF_BYTES = 64 * 1024
_ARABIC = re.compile("[\u0600-\u06ff]")


class CsvConnector(Connector):
    """Files of a source; each entity is one file with its encoding, delimiter and header line."""

    kind: ClassVar[str] = "csv"

    def estimate_rows(self, entity: str, *, since: datetime | None = None) -> int | None:
        """File size over the mean line length of its first 64 KiB: cheap and roughly right."""
        spec = self._entity(entity)
        path = self.resolve(spec.path)
        try:
            size = path.stat().st_size
            with path.open("rb") as handle:
                head = handle.read(SNIFF_BYTES)
        except OSError:
            return None
        lines = head.count(b"\n")
        if lines == 0:
            return 0
        estimate = round(size / (len(head) / lines)) if len(head) < size else lines
        return max(estimate - spec.header_row, 0)

    def _open(self, entity: str) -> list[str]:
        spec = self._entity(entity)
        path = self.resolve(spec.path)
        self._sniff(spec, path)
        try:
            header = pd.read_csv(path, nrows=0, **self._options(spec))
            # pandas renames a repeated name (status, status.1): read the names as written
            written = pd.read_csv(path, nrows=1, **{**self._options(spec), "header": None})
        except pd.errors.EmptyDataError:
            raise self.error(f"file {path} has no header on line {spec.header_row}") from None
        except pd.errors.ParserError as exc:
            raise self.error(f"file {path} cannot be parsed: {_first_line(str(exc))}") from None
        except UnicodeDecodeError as exc:
            raise self._encoding_error(spec, path, exc) from None
        except OSError as exc:
            raise self._file_error(path, exc) from None
        columns = [str(column).strip() for column in header.columns]
        names = [str(name).strip() for name in written.iloc[0].tolist() if not pd.isna(name)]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise self.error(f"{self._where(entity)} names column {repeated[0]!r} more than once")
        return columns

    def _frames(self, entity: str, *, since: datetime | None) -> Iterator[pd.DataFrame]:
        spec = self._entity(entity)
        path = self.resolve(spec.path)
        columns = self._open(entity)
        try:
            with pd.read_csv(path, chunksize=self.chunk_size, **self._options(spec)) as reader:
                for frame in reader:
                    frame.columns = pd.Index(columns)
                    self._check_lengths(entity, frame)
                    # A line of delimiters only (',,,,', often below a spreadsheet export) holds
                    # no record.
                    yield frame.dropna(how="all")
        except pd.errors.ParserError as exc:
            raise self.error(f"file {path} cannot be parsed: {_first_line(str(exc))}") from None
        except UnicodeDecodeError as exc:
            raise self._encoding_error(spec, path, exc) from None
        except OSError as exc:
            raise self._file_error(path, exc) from None

    def _check_lengths(self, entity: str, frame: pd.DataFrame) -> None:
        """No field longer than ``csv_max_field_chars``: one line naming the record and column."""
        limit = self.limits.csv_max_field_chars
        for column in frame.columns:
            lengths = frame[column].str.len()
            if lengths.max() > limit:  # NaN (blank) compares False
                position = int(np.flatnonzero(lengths.gt(limit).to_numpy())[0])
                record = int(frame.index.to_numpy()[position]) + 1
                raise self.error(
                    f"{self._where(entity)}: record {record:,}, column {column!r} holds "
                    f"{int(lengths.max()):,} characters, over the limit of {limit:,} "
                    "(sources.csv_max_field_chars)"
                )

    def _where(self, entity: str) -> str:
        spec = self._entity(entity)
        return f"file {self.resolve(spec.path)} (header line {spec.header_row})"

    def _entity(self, entity: str) -> CsvEntity:
        spec = self.entity_spec(entity)
        assert isinstance(spec, CsvEntity)
        return spec

    def _options(self, spec: CsvEntity) -> dict[str, Any]:
        return {
            "sep": spec.delimiter,
            # pandas drops a UTF-8 byte-order mark itself, and its own UTF-8 decoding is much
            # faster than Python's 'utf-8-sig' codec.
            "encoding": "cp1256" if spec.encoding == "cp1256" else "utf-8",
            "skiprows": spec.header_row - 1,
            "header": 0,
            "dtype": object,
            "keep_default_na": False,
            "na_values": [""],
        }

    def _sniff(self, spec: CsvEntity, path: Path) -> None:
        """Refuse a file whose first 64 KiB show it is not in its declared encoding."""
        try:
            with path.open("rb") as handle:
                head = handle.read(SNIFF_BYTES)
        except OSError as exc:
            raise self._file_error(path, exc) from None
        final = len(head) < SNIFF_BYTES
        if spec.encoding == "cp1256":
            if not head.isascii() and _decodes(head, "utf-8", final=final):
                raise self.error(
                    f"file {path} is declared cp1256 but is UTF-8 (read as cp1256 its Arabic "
                    "would be garbled); set encoding: utf-8"
                )
        elif not _decodes(head, "utf-8", final=final):
            raise self._encoding_error(spec, path, None)

    def _encoding_error(
        self, spec: CsvEntity, path: Path, exc: UnicodeDecodeError | None
    ) -> ConnectorError:
        line, raw = _first_undecodable_line(path, "utf-8")
        if raw is None:  # the decoder failed where a line scan does not: report what it said
            reason = exc.reason if exc is not None else "invalid byte"
            return self.error(f"file {path} is not valid {spec.encoding}: {reason}")
        bad = _first_bad_byte(raw)
        hint = "check the file's encoding (utf-8, utf-8-sig or cp1256)"
        if _ARABIC.search(raw.decode("cp1256", errors="replace")):
            hint = "it looks like Windows Arabic: set encoding: cp1256"
        return self.error(
            f"file {path} is declared {spec.encoding} but line {line} is not valid UTF-8 "
            f"(byte 0x{bad:02x}); {hint}"
        )

    def _file_error(self, path: Path, exc: OSError) -> ConnectorError:
        if isinstance(exc, FileNotFoundError):
            return self.error(f"file {path} does not exist")
        return self.error(f"file {path} cannot be read: {exc.strerror or exc}")


def _decodes(data: bytes, encoding: str, *, final: bool) -> bool:
    """Whether ``data`` decodes; unless ``final``, a character cut at the end is not an error."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


def _first_undecodable_line(path: Path, encoding: str) -> tuple[int, bytes | None]:
    """The 1-based number and bytes of the first line that does not decode (a full scan)."""
    number = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError:
                return number, raw
    return number, None


def _first_bad_byte(raw: bytes) -> int:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return raw[exc.start]
    return 0


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "unknown error"
