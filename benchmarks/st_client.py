"""One planner's browser tab, spoken over Streamlit's own websocket protocol.

``AppSession`` opens ``ws://<host>/_stcore/stream``, sends ``BackMsg``
protobufs and reads ``ForwardMsg`` ones, as the front end does, so that many
sessions can load one server without a browser each::

    session = AppSession()
    await session.connect("http://127.0.0.1:8501")
    seconds = await session.edit_spend(0, "Jan 2027", 12345)
    workbook = await session.download_workbook()
    await session.close()

What it does as the browser does:

* an HTTP GET of the base URL first, with a cookie jar, whose cookies go with
  the websocket upgrade and every later request (a proxy in front of several
  servers keeps a session on one of them by a cookie);
* every rerun carries the widget states the session holds: those it sent
  before, for the widgets still on the page, and the open or closed state of
  every stateful popover and expander as the server last drew it;
* a grid edit is the editor's whole editing state since it was drawn under
  its current id, as JSON, the way ``st.data_editor`` reports it;
* a download button with a URL is fetched at that URL; a deferred one is
  first asked for its URL with a backend-operation request.

Every id (the grid's, the buttons', the popovers') is read from the deltas
of the latest finished run, never assumed: the app may key its widgets
differently from one run to the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa
import requests
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg, DeferredFileRequestPayload
from streamlit.proto.Block_pb2 import Block
from streamlit.proto.Dataframe_pb2 import Dataframe
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

STREAM_PATH = "_stcore/stream"
WORKBOOK_MAGIC = b"PK\x03\x04"
_FINISHED = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR)


class SessionError(RuntimeError):
    """The app did not do what the session asked (an exception on the page, a timeout)."""


class EditError(SessionError):
    """A grid edit did not land: the grid is missing or shows another value afterwards."""


class DownloadError(SessionError):
    """The workbook could not be downloaded; ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Page:
    """The elements and blocks of one finished script run, by delta path."""

    elements: dict[tuple[int, ...], Element] = field(default_factory=dict)
    blocks: dict[tuple[int, ...], Block] = field(default_factory=dict)

    def of_type(self, kind: str) -> Iterator[Any]:
        """The payloads of the elements of ``kind`` ("download_button", "dataframe", ...)."""
        for element in self.elements.values():
            if element.WhichOneof("type") == kind:
                yield getattr(element, kind)

    def exceptions(self) -> list[str]:
        """The messages of the exceptions the run showed."""
        return [f"{e.type}: {e.message}" for e in self.of_type("exception")]

    def widget_ids(self) -> set[str]:
        """The ids of every widget drawn in the run (elements and stateful blocks)."""
        ids = set()
        for element in self.elements.values():
            kind = element.WhichOneof("type")
            widget_id = getattr(getattr(element, kind), "id", "") if kind else ""
            if isinstance(widget_id, str) and widget_id:
                ids.add(widget_id)
        for block in self.blocks.values():
            ids.update(i for i in _block_state(block) if i)
            if block.WhichOneof("type") == "tab_container" and block.tab_container.id:
                ids.add(block.tab_container.id)
        return ids


def _block_state(block: Block) -> dict[str, bool]:
    """A stateful popover's or expander's id and whether the server drew it open."""
    if block.WhichOneof("type") == "popover" and block.popover.id:
        return {block.popover.id: block.popover.open}
    if block.WhichOneof("type") == "expandable" and block.expandable.id:
        return {block.expandable.id: block.expandable.expanded}
    return {}


@dataclass(frozen=True)
class Grid:
    """An editable grid on the page: its widget id and its cells as the server sent them."""

    widget_id: str
    table: pa.Table
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """Every column of the table sent, the index column(s) included."""
        return [str(name) for name in self.table.schema.names]

    @property
    def data_columns(self) -> list[str]:
        """The grid's columns without its index, in the order the grid shows them."""
        index = _index_columns(self.table)
        return [c for c in self.columns if c not in index]

    @property
    def editable_columns(self) -> list[str]:
        """The data columns a planner may type into (not disabled in the column config)."""
        return [c for c in self.data_columns if not self.config.get(c, {}).get("disabled")]

    def cell(self, row: int, column: str) -> str | None:
        value = self.table.column(column)[row].as_py()
        return None if value is None else str(value)

    def row_label(self, row: int) -> str:
        """The row's label (the first index column, or the row number without one)."""
        index_columns = _index_columns(self.table)
        if not index_columns:
            return str(row)
        return str(self.table.column(index_columns[0])[row].as_py())

    def numbers(self, columns: list[str]) -> set[float]:
        """Every cell of ``columns`` that reads as a number."""
        found = set()
        for column in columns:
            for value in self.table.column(column).to_pylist():
                number = cell_number(value)
                if number is not None:
                    found.add(number)
        return found


def _index_columns(table: pa.Table) -> list[str]:
    metadata = table.schema.pandas_metadata or {}
    return [c for c in metadata.get("index_columns", []) if isinstance(c, str)]


def cell_number(text: Any) -> float | None:
    """A grid cell's text as a number ("16,006.74" -> 16006.74); None if it is not one."""
    if text is None:
        return None
    try:
        return round(float(str(text).replace(",", "").strip()), 2)
    except ValueError:
        return None


def typed_text(value: float) -> str:
    """A number as a planner types it into a text cell: 12345, 12345.5."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def find_grid(page: Page, column: str) -> Grid:
    """The first editable grid of the page that has ``column``."""
    for frame in page.of_type("dataframe"):
        if frame.editing_mode == Dataframe.READ_ONLY or not frame.id:
            continue
        table = pa.ipc.open_stream(frame.arrow_data.data).read_all()
        if column in table.schema.names:
            return Grid(frame.id, table, json.loads(frame.columns or "{}"))
    raise EditError(f"no editable grid with a column {column!r} on the page")


def workbook_spends(data: bytes, channels: list[str]) -> dict[str, list[float | None]]:
    """The 12 monthly spends of each of ``channels`` on the workbook's Marketing plan sheet:
    the first row labelled with the channel, the fiscal months' columns (D to O)."""
    import openpyxl

    from models.excel.layout import LABEL_COLUMN, MARKETING, month_column

    wanted, found = set(channels), {}
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        for row in book[MARKETING].iter_rows(min_row=1, max_col=month_column(11), values_only=True):
            label = row[LABEL_COLUMN - 1] if row else None
            if label in wanted and label not in found:
                cells = row[month_column(0) - 1 : month_column(11)]
                found[label] = [round(float(v), 2) if _is_number(v) else None for v in cells]
    finally:
        book.close()
    return found


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Edit:
    """The last spend edit a session made: where, the value typed, and every channel of
    the grid (the rows whose spends the workbook is read for)."""

    channel: str
    month: int
    value: float
    channels: tuple[str, ...]


class AppSession:
    """One browser tab on the app: connects, edits spend, downloads the workbook.

    ``seen`` collects every spend value the session was shown (the grid's
    editable cells, not its totals, and the workbook's spend inputs), so that
    a value typed in another session showing up here can be told.
    """

    def __init__(self, *, timeout: float = 120.0, check_workbook: bool = True) -> None:
        self.timeout = timeout
        self.check_workbook = check_workbook
        self.base_url = ""
        self.session_id = ""
        self.page = Page()
        self.seen: set[float] = set()
        self.last_edit: Edit | None = None
        self._http = requests.Session()
        self._ws: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._page_hash = ""
        self.pages: dict[str, str] = {}
        self._running = Page()
        self._finished = asyncio.Condition()
        self._runs = 0
        self._closed_reason: str | None = None
        self._states: dict[str, WidgetState] = {}
        self._edits: dict[str, dict[str, dict[str, str]]] = {}
        self._operations: dict[str, asyncio.Future[ForwardMsg]] = {}

    @property
    def closed(self) -> str | None:
        """Why the websocket closed, or None while it is open."""
        return self._closed_reason

    # --- connecting -------------------------------------------------------------

    async def connect(self, base_url: str) -> float:
        """Open the app at ``base_url`` as a browser does; the seconds until its first page.

        GETs the base URL (keeping its cookies), opens the websocket with
        them and runs the default page.
        """
        started = time.perf_counter()
        self.base_url = base_url.rstrip("/")
        response = await asyncio.to_thread(self._http.get, self.base_url + "/", timeout=30)
        if response.status_code != 200:
            raise SessionError(f"GET {self.base_url}/ answered HTTP {response.status_code}")
        self._ws = await websockets.connect(
            self._stream_url(),
            subprotocols=[websockets.Subprotocol("streamlit")],
            additional_headers=self._cookie_headers(self.base_url + "/"),
            max_size=None,
            open_timeout=self.timeout,
            ping_interval=None,
        )
        self._keep_cookies(self._ws.response.headers.get_all("Set-Cookie"))
        self._reader = asyncio.create_task(self._read(), name="st-client-reader")
        await self.rerun()
        return time.perf_counter() - started

    def _stream_url(self) -> str:
        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}/{STREAM_PATH}"

    def _cookie_headers(self, url: str) -> dict[str, str]:
        prepared = requests.Request("GET", url).prepare()
        prepared.prepare_cookies(self._http.cookies)
        cookie = prepared.headers.get("Cookie")
        return {"Cookie": cookie} if cookie else {}

    def _keep_cookies(self, headers: list[str]) -> None:
        host = urlsplit(self.base_url).hostname or ""
        for header in headers:
            for morsel in SimpleCookie(header).values():
                self._http.cookies.set(
                    morsel.key, morsel.value, domain=morsel["domain"] or host,
                    path=morsel["path"] or "/",
                )  # fmt: skip

    async def close(self) -> None:
        """Close the websocket and the HTTP connections."""
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
        self._http.close()

    # --- reading forward messages ---------------------------------------------------

    async def _read(self) -> None:
        try:
            async for raw in self._ws:
                message = ForwardMsg()
                message.ParseFromString(raw)
                await self._handle(message)
        except websockets.ConnectionClosed as closed:
            self._closed_reason = f"the websocket closed ({closed})"
        finally:
            self._closed_reason = self._closed_reason or "the websocket closed"
            async with self._finished:
                self._finished.notify_all()
            for future in self._operations.values():
                if not future.done():
                    future.set_exception(SessionError(self._closed_reason))

    async def _handle(self, message: ForwardMsg) -> None:
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self._running = Page()
            self._page_hash = message.new_session.page_script_hash
            if message.new_session.initialize.session_id:
                self.session_id = message.new_session.initialize.session_id
        elif kind == "navigation":
            self.pages = {
                page.url_pathname: page.page_script_hash for page in message.navigation.app_pages
            }
            self._page_hash = message.navigation.page_script_hash or self._page_hash
        elif kind == "delta":
            path = tuple(message.metadata.delta_path)
            delta = message.delta
            if delta.WhichOneof("type") == "new_element":
                self._running.elements[path] = delta.new_element
            elif delta.WhichOneof("type") == "add_block":
                self._running.blocks[path] = delta.add_block
        elif kind == "script_finished" and message.script_finished in _FINISHED:
            self.page = self._running
            async with self._finished:
                self._runs += 1
                self._finished.notify_all()
        elif kind == "backend_operation_response":
            future = self._operations.pop(message.backend_operation_response.request_id, None)
            if future is not None and not future.done():
                future.set_result(message)

    # --- reruns -------------------------------------------------------------------

    async def rerun(self) -> float:
        """Rerun the page with the session's widget states; the seconds until the run finished.

        Raises:
            SessionError: the run showed an exception, or did not finish in time.
        """
        if self._closed_reason:
            raise SessionError(self._closed_reason)
        message = BackMsg()
        state = message.rerun_script
        state.page_script_hash = self._page_hash
        state.widget_states.widgets.extend(self._current_states())
        runs = self._runs
        started = time.perf_counter()
        await self._ws.send(message.SerializeToString())
        try:
            async with asyncio.timeout(self.timeout), self._finished:
                await self._finished.wait_for(lambda: self._runs > runs or self._closed_reason)
        except TimeoutError:
            raise SessionError(f"the page did not finish within {self.timeout:g} s") from None
        if self._runs == runs:
            raise SessionError(self._closed_reason or "the page did not finish")
        elapsed = time.perf_counter() - started
        if self.page.exceptions():
            raise SessionError("the page showed " + "; ".join(self.page.exceptions()))
        return elapsed

    async def open_page(self, url_path: str) -> float:
        """Switch to the page at ``url_path`` ("" for the default page), as a click in the
        navigation does; the seconds until its run finished."""
        if url_path not in self.pages:
            raise SessionError(f"no page {url_path!r}; the app has {sorted(self.pages)}")
        self._page_hash = self.pages[url_path]
        return await self.rerun()

    async def open_tab(self, label: str) -> float:
        """Click the tab ``label`` of the page's tabs that rerun when changed; the seconds
        until the run finished."""
        for path, block in self.page.blocks.items():
            if block.WhichOneof("type") != "tab_container" or not block.tab_container.id:
                continue
            labels = [
                child.tab.label
                for child_path, child in self.page.blocks.items()
                if child_path[:-1] == path and child.WhichOneof("type") == "tab"
            ]
            if label in labels:
                widget_id = block.tab_container.id
                self._states[widget_id] = WidgetState(id=widget_id, string_value=label)
                return await self.rerun()
        raise SessionError(f"no tab {label!r} on the page")

    def _current_states(self) -> list[WidgetState]:
        """The states a browser would send: its own, for widgets still drawn, and the
        open state of every stateful popover and expander it has not touched."""
        drawn = self.page.widget_ids()
        self._states = {
            i: s for i, s in self._states.items() if i in drawn or not self.page.elements
        }
        for block in self.page.blocks.values():
            for widget_id, is_open in _block_state(block).items():
                self._states.setdefault(widget_id, WidgetState(id=widget_id, bool_value=is_open))
        return list(self._states.values())

    # --- editing --------------------------------------------------------------------

    async def edit_cell(self, row: int, column: str, value: float) -> float:
        """Type ``value`` into cell (``row``, ``column``) of the first editable grid with
        ``column`` and press Enter; the seconds until the page's run finished.

        The new value is then read back from the grid the server drew.

        Raises:
            EditError: the grid is not on the page, or shows another value afterwards.
        """
        grid = find_grid(self.page, column)
        edits = self._edits.get(grid.widget_id, {})
        self._edits = {grid.widget_id: edits}
        edits.setdefault(str(row), {})[column] = typed_text(value)
        editing_state = {"edited_rows": edits, "added_rows": [], "deleted_rows": []}
        self._states[grid.widget_id] = WidgetState(
            id=grid.widget_id, string_value=json.dumps(editing_state, separators=(",", ":"))
        )
        elapsed = await self.rerun()
        after = find_grid(self.page, column)
        shown = cell_number(after.cell(row, column))
        if shown != round(float(value), 2):
            raise EditError(
                f"{grid.row_label(row)!r} {column}: typed {typed_text(value)}, the grid shows "
                f"{after.cell(row, column)!r}"
            )
        return elapsed

    async def edit_spend(self, channel_row: int, month_column: str, value: float) -> float:
        """``edit_cell`` on the spend grid, remembered as the session's last edit (which
        its next workbook must hold); the spend values shown are kept in ``seen``."""
        elapsed = await self.edit_cell(channel_row, month_column, value)
        grid = find_grid(self.page, month_column)
        self._see_grid(grid)
        month = grid.data_columns.index(month_column)
        channels = tuple(grid.row_label(row) for row in range(grid.table.num_rows))
        self.last_edit = Edit(grid.row_label(channel_row), month, round(float(value), 2), channels)
        return elapsed

    def _see_grid(self, grid: Grid) -> None:
        self.seen |= grid.numbers(grid.editable_columns)

    def spend_values(self, month_column: str) -> set[float]:
        """Every number typed into the spend grid as it shows now (its editable cells,
        not totals): the grid that has ``month_column``."""
        grid = find_grid(self.page, month_column)
        return grid.numbers(grid.editable_columns)

    # --- downloading ----------------------------------------------------------------

    async def download_workbook(self) -> bytes:
        """The plan workbook as the sidebar's download gives it, checked to be an .xlsx.

        A button with a URL is fetched; a deferred one is asked for its URL
        first. Without a workbook button on the page, the popover whose label
        starts with "Download" is opened (a rerun) and the page looked at again.
        With ``check_workbook``, the workbook must hold the session's last edit.

        Raises:
            DownloadError: no button, a refused request, or an HTTP status other
                than 200 (``status``); or a file that is not the session's workbook.
        """
        button = _workbook_button(self.page)
        popover = None if button is not None else await self._open_download_popover()
        if popover is not None:
            button = _workbook_button(self.page)
        if button is None:
            raise DownloadError("no workbook download button on the page")
        url = button.url or await self._deferred_url(button.deferred_file_id)
        data = await self._get(url)
        if popover is not None:
            # The person clicks back into the page: the menu closes, and the page reruns.
            self._states[popover] = WidgetState(id=popover, bool_value=False)
            await self.rerun()
        if not data.startswith(WORKBOOK_MAGIC):
            raise DownloadError(f"the download is not an .xlsx (starts {data[:8]!r})", 200)
        if self.check_workbook and self.last_edit is not None:
            await asyncio.to_thread(self._check_workbook, data, self.last_edit)
        return data

    async def _open_download_popover(self) -> str | None:
        """Open the menu whose label starts with "Download" (a rerun); its widget id."""
        for block in self.page.blocks.values():
            popover = block.popover if block.WhichOneof("type") == "popover" else None
            if popover is not None and popover.id and popover.label.startswith("Download"):
                self._states[popover.id] = WidgetState(id=popover.id, bool_value=True)
                await self.rerun()
                return str(popover.id)
        return None

    async def _deferred_url(self, file_id: str) -> str:
        if not file_id:
            raise DownloadError("the workbook button has neither a URL nor a deferred file")
        request = BackMsg()
        operation = request.backend_operation_request
        operation.request_id = str(uuid.uuid4())
        operation.session_id = self.session_id
        operation.deferred_file.CopyFrom(DeferredFileRequestPayload(file_id=file_id))
        answer: asyncio.Future[ForwardMsg] = asyncio.get_running_loop().create_future()
        self._operations[operation.request_id] = answer
        await self._ws.send(request.SerializeToString())
        try:
            async with asyncio.timeout(self.timeout):
                response = (await answer).backend_operation_response
        except TimeoutError:
            self._operations.pop(operation.request_id, None)
            raise DownloadError("no answer to the deferred download request") from None
        if response.error_msg or not response.deferred_file.url:
            raise DownloadError(f"deferred download refused: {response.error_msg or 'no URL'}")
        return response.deferred_file.url

    async def _get(self, url: str) -> bytes:
        if not url.startswith(("http://", "https://")):
            url = f"{self.base_url}/{url.lstrip('/')}"
        try:
            response = await asyncio.to_thread(self._http.get, url, timeout=self.timeout)
        except requests.RequestException as error:
            raise DownloadError(f"GET {url}: {error}") from error
        if response.status_code != 200:
            raise DownloadError(
                f"GET {url} answered HTTP {response.status_code}", response.status_code
            )
        return response.content

    def _check_workbook(self, data: bytes, edit: Edit) -> None:
        """Keep the workbook's spends in ``seen``; it must hold the session's last edit."""
        spends = workbook_spends(data, list(edit.channels))
        self.seen |= {v for months in spends.values() for v in months if v is not None}
        found = spends.get(edit.channel, [None] * 12)[edit.month]
        if found != edit.value:
            raise DownloadError(
                f"the workbook has {found} for {edit.channel!r} month {edit.month + 1}, "
                f"the session typed {edit.value:g}",
                200,
            )


def _workbook_button(page: Page) -> Any:
    """The download button of the workbook: its label names the workbook or Excel."""
    for button in page.of_type("download_button"):
        label = button.label.lower()
        if "workbook" in label or "excel" in label or button.url.endswith(".xlsx"):
            return button
    return None
