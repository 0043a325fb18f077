"""CSV import of leads: a streaming parser and the resumable run of an ImportJob.

The file is read as a stream (csv.reader over a text wrapper of the stored file), so
memory does not grow with it. Each batch of rows goes through
leads.bulk_capture.leads_capture_batch, lead_capture's rules applied set-wise, and is
committed together with the job's progress, so a crashed run resumes after the last
committed row and never records a touch twice.
"""

import codecs
import csv
import io
import itertools
import logging
import queue
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import DataError, OperationalError, transaction
from django.utils import timezone

from crm.audit import Actor, acting_as
from crm.queue import enqueue_on_commit
from leads import scoring
from leads.bulk_capture import leads_capture_batch, rows_prepare
from leads.bulk_rows import Catalogue, PreparedRows, describe_error, row_error, row_problems, storable
from leads.models import ImportJob, Touchpoint
from leads.services import lead_capture

logger = logging.getLogger(__name__)

# Rows per transaction: large enough that the fixed queries of a batch cost little per row,
# small enough that the leads it locks are not held from a website capture for long.
BATCH_SIZE = 1000
MAX_STORED_ERRORS = 1000
# A batch that PostgreSQL picks as a deadlock victim (imports of overlapping files racing
# captures) is rolled back whole and simply run again.
DEADLOCK_RETRIES = 3
# While the reader thread runs Python, the importing thread coming back from the database waits
# for the GIL up to the interpreter's switch interval (5 ms): with a dozen statements a batch,
# PostgreSQL would sit idle that long each time. A short interval for the run hands it back sooner.
_SWITCH_INTERVAL = 0.0005
_DEADLOCK_CODES = {"40P01", "40001"}  # deadlock_detected, serialization_failure
_CHUNK = 64 * 1024
_SNIFF_CHARS = 8 * 1024
_DELIMITERS = ",;\t"
# A UTF-8 file with stray bytes of another encoding (a line pasted from a latin-1 export):
# read as UTF-8, the stray bytes kept as lone surrogates (surrogateescape), so every good row
# is read right and each affected line is refused by number (leads.bulk_rows.row_problems).
MIXED_UTF8 = "utf-8-mixed"

# Header names people use, normalised (lower case, letters and digits only) → lead field.
HEADER_ALIASES = {
    **dict.fromkeys(
        ["email", "emailaddress", "mail", "emailid", "workemail", "businessemail", "contactemail", "courriel"], "email"
    ),
    **dict.fromkeys(["firstname", "first", "givenname", "forename", "fname", "vorname", "prenom"], "first_name"),
    **dict.fromkeys(["lastname", "last", "surname", "familyname", "lname", "nachname", "nom"], "last_name"),
    **dict.fromkeys(["name", "fullname", "contactname", "contact"], "full_name"),
    **dict.fromkeys(
        [
            "company",
            "companyname",
            "organisation",
            "organization",
            "org",
            "account",
            "accountname",
            "employer",
            "firma",
        ],
        "company",
    ),
    **dict.fromkeys(["title", "jobtitle", "position", "role", "jobrole", "jobposition"], "title"),
    **dict.fromkeys(
        ["phone", "phonenumber", "telephone", "telephonenumber", "tel", "mobile", "mobilephone", "phoneno"], "phone"
    ),
    **dict.fromkeys(["industry", "sector", "vertical"], "industry"),
    **dict.fromkeys(
        ["companysize", "employees", "numberofemployees", "employeecount", "headcount", "size"], "company_size"
    ),
    **dict.fromkeys(["country", "countrycode", "countryiso", "land", "pays"], "country"),
    **{f"utm{part}": f"utm_{part}" for part in ("source", "medium", "campaign", "content", "term")},
    **dict.fromkeys(["pageurl", "landingpage", "url", "page"], "page_url"),
}


ENCODING_LABELS = {
    "utf-8-sig": "UTF-8",
    MIXED_UTF8: "UTF-8, some lines in another encoding (refused by line)",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252 (cp1252)",
    "latin-1": "ISO-8859-1 (latin-1)",
}


class ImportFileError(Exception):
    """The file as a whole cannot be imported (the job fails with this message)."""


def normalize_header(name):
    """Return a header cell reduced to lower-case letters and digits ("E-mail Address" → "emailaddress")."""
    return re.sub(r"[^a-z0-9]", "", (name or "").replace("\ufeff", "").strip().lower())


def map_header(header):
    """Return {column index: field} for the header cells Tandem recognises (the first of each wins)."""
    mapping = {}
    for index, cell in enumerate(header):
        field = HEADER_ALIASES.get(normalize_header(cell))
        if field and field not in mapping.values():
            mapping[index] = field
    return mapping


# A decoded non-ASCII character that is not an escaped stray byte (U+DC80–U+DCFF).
_UTF8_NON_ASCII = re.compile(r"[\u0080-\udc7f\udd00-\U0010ffff]")


def _has_utf8_text(binary):
    """Return whether the file holds valid non-ASCII UTF-8 sequences (next to bytes that are not)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    binary.seek(0)
    while chunk := binary.read(_CHUNK):
        if _UTF8_NON_ASCII.search(decoder.decode(chunk)):
            return True
    return bool(_UTF8_NON_ASCII.search(decoder.decode(b"", final=True)))


def detect_encoding(binary):
    """Return the encoding of a binary file: UTF-16 by its BOM, UTF-8 (with or without BOM)
    when every byte decodes, MIXED_UTF8 when valid UTF-8 text sits next to stray bytes, else
    cp1252 (Excel on Windows), else latin-1 (which always decodes).

    Reads the file in chunks, never whole, and leaves it at the start.
    """
    binary.seek(0)
    head = binary.read(4)
    binary.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in binary.read(_CHUNK):
        raise ImportFileError(
            "This is not a CSV text file (it contains binary data). Save the spreadsheet as CSV and upload that."
        )
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        binary.seek(0)
        try:
            while chunk := binary.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            if encoding == "utf-8-sig" and _has_utf8_text(binary):
                binary.seek(0)
                return MIXED_UTF8
            continue
        binary.seek(0)
        return encoding
    binary.seek(0)
    return "latin-1"


def sniff_delimiter(sample):
    """Return the delimiter of a CSV sample: comma, semicolon (Excel in many locales) or tab."""
    # Only whole lines: a record cut in the middle misleads the sniffer.
    if "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        first_line = sample.splitlines()[0] if sample else ""
        counts = {delimiter: first_line.count(delimiter) for delimiter in _DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


@dataclass
class CsvSource:
    """An open CSV file: how to read it, its header, and its records from the first data row on."""

    text: io.TextIOBase
    encoding: str
    delimiter: str
    header: list
    mapping: dict
    reader: object

    def records(self):
        """Yield (line number where the record starts, cells) for every record after the header."""
        start = self.reader.line_num + 1
        while True:
            try:
                row = next(self.reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(
                    f"The record starting at line {start} cannot be read as CSV ({exc}). Is a quote left open?"
                ) from None
            yield start, row
            start = self.reader.line_num + 1


def open_csv(binary):
    """Open a binary file as CSV: detect the encoding and delimiter, read and map the header.

    Raises ImportFileError when the file is empty, binary, or has no e-mail column.
    """
    encoding = detect_encoding(binary)
    if encoding == MIXED_UTF8:
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline="")
    else:
        text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    try:
        return _read_header(text, encoding)
    except ImportFileError:
        text.detach()  # the wrapper must not close the caller's file
        raise


def _read_header(text, encoding):
    sample = text.read(_SNIFF_CHARS)
    if not sample.strip():
        raise ImportFileError("The file is empty.")
    delimiter = sniff_delimiter(sample)
    text.seek(0)
    # strict: an open quote is an error naming its line, not a field that swallows every row after it.
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    header = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                header = row
                break
    except csv.Error as exc:
        raise ImportFileError(f"The header row cannot be read as CSV ({exc}).") from None
    mapping = map_header(header)
    if "email" not in mapping.values():
        found = storable(", ".join(f'"{cell.strip()}"' for cell in header if cell.strip())[:300])
        raise ImportFileError(
            'No e-mail column: the first row must name one, e.g. "email" or "E-mail" '
            f"(found {found or 'no column names'})."
        )
    return CsvSource(text=text, encoding=encoding, delimiter=delimiter, header=header, mapping=mapping, reader=reader)


def row_values(row, mapping):
    """Return the non-blank values of a record by lead field (a full name split when no first/last name)."""
    values = {}
    for index, field in mapping.items():
        value = row[index].strip() if index < len(row) else ""
        if field == "company_size":
            value = value.replace(" ", "").replace(",", "")  # "1,200" and "1 200" are thousands
        if value:
            values[field] = value
    full_name = values.pop("full_name", "")
    if full_name and not (values.get("first_name") or values.get("last_name")):
        first, _, last = full_name.rpartition(" ") if " " in full_name else (full_name, "", "")
        values["first_name"], values["last_name"] = (first, last) if last else (full_name, "")
        values = {k: v for k, v in values.items() if v}
    return values


@dataclass
class RowOutcome:
    created: bool = False
    updated: bool = False
    error: dict | None = None


def import_row(*, line, values, campaign, config, occurred_at):
    """Capture one record; return whether it made a lead, touched a known one, or why it was refused."""
    problems = row_problems(values)
    if problems:
        return RowOutcome(error=row_error(line, values, "; ".join(problems)))
    try:
        result = lead_capture(
            data=values, kind=Touchpoint.Kind.IMPORT, campaign=campaign, config=config, occurred_at=occurred_at
        )
    except ValidationError as exc:
        return RowOutcome(error=row_error(line, values, describe_error(exc)))
    except DataError as exc:
        # lead_capture's savepoint has rolled this row back; the batch goes on.
        logger.info("Import row at line %s refused by the database: %s", line, exc)
        return RowOutcome(error=row_error(line, values, "a value the database refuses"))
    return RowOutcome(created=result.created, updated=not result.created)


def import_rows(*, rows, campaign, config, occurred_at):
    """Capture a batch of records set-wise; return (new leads, touches of known leads, errors).

    ``rows`` are (line, values) pairs or what leads.bulk_capture.rows_prepare made of them.
    """
    try:
        result = leads_capture_batch(
            rows=rows, kind=Touchpoint.Kind.IMPORT, campaign=campaign, config=config, occurred_at=occurred_at
        )
    except DataError as exc:
        # A value the checks let through and the database refuses: the batch's savepoint has
        # rolled it back; row by row, it is that one row's error and the others are kept.
        logger.info("Import batch refused by the database (%s); importing it row by row.", exc)
        outcomes = [
            import_row(line=line, values=values, campaign=campaign, config=config, occurred_at=occurred_at)
            for line, values in (rows.rows if isinstance(rows, PreparedRows) else rows)
        ]
        errors = [outcome.error for outcome in outcomes if outcome.error]
        return sum(o.created for o in outcomes), sum(o.updated for o in outcomes), errors
    return result.created, result.touched, result.errors


class ImportConflict(Exception):
    """Another run of the same job committed rows first; this run stops."""


def _prepare(batch, mapping, **context):
    # A blank line has no values: nothing to import, nothing wrong.
    return rows_prepare([(line, values) for line, row in batch if (values := row_values(row, mapping))], **context)


def _commit_batch(*, job_id, position, batch, mapping, campaign, config, prepared=None):
    """Import the records of one batch and advance the job's progress in the same transaction."""
    now = timezone.now()
    with transaction.atomic():
        # The row lock makes a second, concurrent run of the job wait here, then stop.
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.processed_rows != position:
            raise ImportConflict
        rows = prepared if prepared is not None else _prepare(batch, mapping)
        created, touched, errors = import_rows(rows=rows, campaign=campaign, config=config, occurred_at=now)
        job.created_leads += created
        job.updated_leads += touched
        job.processed_rows = position + len(batch)
        job.error_rows += len(errors)
        room = MAX_STORED_ERRORS - len(job.errors)
        if errors and room > 0:
            job.errors = [*job.errors, *errors[:room]]
        job.save(update_fields=["processed_rows", "created_leads", "updated_leads", "error_rows", "errors"])
    return job.processed_rows


def _commit_batch_retrying(**kwargs):
    """Commit a batch, running it again when the database rolled it back as a deadlock victim."""
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            return _commit_batch(**kwargs)
        except OperationalError as exc:
            if getattr(exc.__cause__, "pgcode", None) not in _DEADLOCK_CODES or attempt == DEADLOCK_RETRIES:
                raise
            logger.info(
                "Import job %s: batch at row %s was a deadlock victim; running it again.",
                kwargs["job_id"],
                kwargs["position"],
            )


def _count_records(binary):
    source = open_csv(binary)
    try:
        return sum(1 for _ in source.records())
    finally:
        source.text.detach()  # the wrapper must not close the caller's file


def _finish(job_id, *, state, message):
    ImportJob.objects.filter(pk=job_id).update(state=state, message=message, finished_at=timezone.now())
    return ImportJob.objects.get(pk=job_id)


def _summary(job, source):
    parts = [
        f"{job.processed_rows} rows read",
        f"{job.created_leads} new leads",
        f"{job.updated_leads} known leads touched",
        f"{job.error_rows} rows refused",
    ]
    delimiter = {"\t": "tab", ",": "comma", ";": "semicolon"}[source.delimiter]
    return f"{', '.join(parts)}. Read as {ENCODING_LABELS[source.encoding]}, {delimiter}-separated."


class _BatchReader:
    """Read and check the next batch in a thread while the current one is being written.

    Parsing, checking, attributing and scoring rows as new leads is pure Python, and writing
    a batch mostly waits on the database, so on two cores the two overlap. The queue holds
    one batch ahead, so memory stays flat. Iterating yields (records, prepared rows); an unreadable record is raised
    after the batch before it, as the file was read.
    """

    def __init__(self, records, *, mapping, batch_size, **context):
        self._queue = queue.Queue(maxsize=1)
        self._stopping = threading.Event()
        self._context = context  # rows_prepare's campaign, catalogue and config
        self._thread = threading.Thread(
            target=self._read, args=(records, mapping, batch_size), name="import-reader", daemon=True
        )
        self._thread.start()

    def _put(self, item):
        while not self._stopping.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _read(self, records, mapping, batch_size):
        batch = []
        try:
            for record in records:
                batch.append(record)
                if len(batch) >= batch_size:
                    if not self._put(("batch", (batch, _prepare(batch, mapping, **self._context)))):
                        return
                    batch = []
            if batch and not self._put(("batch", (batch, _prepare(batch, mapping, **self._context)))):
                return
            self._put(("end", None))
        except ImportFileError as exc:
            if not batch or self._put(("batch", (batch, _prepare(batch, mapping, **self._context)))):
                self._put(("raise", exc))
        except Exception as exc:  # raised again in the importing thread, where it is handled
            self._put(("raise", exc))

    def __iter__(self):
        while True:
            kind, item = self._queue.get()
            if kind == "end":
                return
            if kind == "raise":
                raise item
            yield item

    def close(self):
        """Stop reading and wait for the thread (before the caller closes the file)."""
        self._stopping.set()
        self._thread.join()


def import_job_run(*, job, batch_size=BATCH_SIZE):
    """Import the job's file from its last committed row on; safe to run again at any point."""
    # What the import changes (a lead made an MQL, its hand-off) is the import job's doing.
    with acting_as(Actor.for_import(job.pk, f"import #{job.pk} ({job.original_name})"[:150])):
        return _import_job_run(job=job, batch_size=batch_size)


def _import_job_run(*, job, batch_size):
    job = ImportJob.objects.get(pk=job.pk)
    if job.state in (ImportJob.State.DONE, ImportJob.State.FAILED):
        return job
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING)
    config = scoring.ScoringConfig.load()
    position = job.processed_rows
    with job.file.storage.open(job.file.name, "rb") as stored:
        binary = getattr(stored, "file", stored)
        try:
            if job.total_rows is None:
                job.total_rows = _count_records(binary)
                ImportJob.objects.filter(pk=job.pk).update(total_rows=job.total_rows)
                binary.seek(0)
            source = open_csv(binary)
        except ImportFileError as exc:
            return _finish(job.pk, state=ImportJob.State.FAILED, message=str(exc))
        records = itertools.islice(source.records(), position, None)  # resume after the committed rows
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(switch_interval, _SWITCH_INTERVAL))
        # The campaigns and variants once per run (a campaign added meanwhile counts from the next run).
        reader = _BatchReader(
            records,
            mapping=source.mapping,
            batch_size=batch_size,
            campaign=job.campaign,
            catalogue=Catalogue.load(),
            config=config,
        )
        try:
            try:
                for batch, prepared in reader:
                    position = _commit_batch_retrying(
                        job_id=job.pk,
                        position=position,
                        batch=batch,
                        mapping=source.mapping,
                        campaign=job.campaign,
                        config=config,
                        prepared=prepared,
                    )
            except ImportFileError as exc:
                return _finish(job.pk, state=ImportJob.State.FAILED, message=str(exc))
        except ImportConflict:
            logger.info("Import job %s is being run elsewhere; this run stops.", job.pk)
            return ImportJob.objects.get(pk=job.pk)
        finally:
            reader.close()
            sys.setswitchinterval(switch_interval)
            source.text.detach()  # leave closing the file to the storage's context manager
        job = ImportJob.objects.get(pk=job.pk)
        return _finish(job.pk, state=ImportJob.State.DONE, message=_summary(job, source))


def import_job_fail(*, job_id, message):
    """Mark an unfinished job failed (its task gave up), so its page stops waiting."""
    ImportJob.objects.filter(pk=job_id, state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING]).update(
        state=ImportJob.State.FAILED, message=message, finished_at=timezone.now()
    )


def import_job_create(*, file, actor, campaign=None, name=None, run_in_background=True):
    """Store an uploaded CSV file as an import job and, once committed, queue its run."""
    original_name = PurePath(name or file.name or "import.csv").name[:255]
    job = ImportJob(original_name=original_name, campaign=campaign, created_by=actor)
    job.file.save(original_name, file, save=False)
    job.save()
    if run_in_background:
        enqueue_on_commit("leads.tasks.import_run", job.pk)
    return job


ERROR_HEADER = ["line", "email", "errors"]


def import_error_rows(job):
    """Yield the rows of the job's error report (campaigns.exporting makes them spreadsheet-safe)."""
    for error in job.errors:
        yield [error.get("line"), error.get("email", ""), error.get("errors", "")]
