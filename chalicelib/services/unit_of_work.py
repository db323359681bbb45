"""One unit of work per use case: load the aggregates, remember the versions read, collect the events they
raise, commit everything in one transaction, and run the whole use case again when another writer won the race.

    def record_x(uow: UnitOfWork) -> T:
        book = uow.ledger(contract_id)      # load
        ...                                 # act: domain rules, uow.raise_event(...)
        uow.commit()                        # commit
    run(deps, actor, record_x)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chalicelib.domain.contract import Contract
from chalicelib.domain.errors import ConcurrentUpdate, DomainError, Unavailable
from chalicelib.domain.events import Event
from chalicelib.domain.invoice import Invoice
from chalicelib.services import obligation_store
from chalicelib.services.base import Deps, retry_on_conflict, stage_events
from chalicelib.services.ports import Changes, LedgerBook, SigningToken, StoredDocument

T = TypeVar("T")


class UnitOfWork:
    def __init__(self, deps: Deps, actor: str, recent: bool = False) -> None:
        self.deps = deps
        self.actor = actor
        self.recent = recent  # reads may return this process's last copy of the contract (see run)
        self.committed = False
        self.changes: Changes | None = None
        self.events: list[Event] = []
        self._invoice_versions: dict[int, int] = {}

    # ---- load ----------------------------------------------------------------------------------------
    def adopt(self, contract: Contract) -> None:
        """Change `contract` as read elsewhere (e.g. from an index copy), at the version it carries."""
        self.changes = Changes(contract=contract, expected_version=contract.version)

    def create(self, contract: Contract) -> None:
        """Write `contract` as a new one: the commit fails if it (or its contract number) already exists."""
        self.changes = Changes(contract=contract, expected_version=None)

    def contract(self, contract_id: str) -> Contract:
        contract = self.deps.repo.get_contract(contract_id, recent=self.recent)
        self.adopt(contract)
        return contract

    def ledger(self, contract_id: str) -> LedgerBook:
        """The contract and its whole ledger (one Query); invoice versions are remembered for the commit."""
        book = self.deps.repo.load_ledger(contract_id)
        self.adopt(book.contract)
        self.remember_invoices(book)
        return book

    def remember_invoices(self, book: LedgerBook) -> None:
        self._invoice_versions = {year: inv.version for year, inv in book.invoices.items()}

    # ---- act ------------------------------------------------------------------------------------------
    @property
    def staged(self) -> Changes:
        if self.changes is None:
            raise RuntimeError("load an aggregate before changing it")
        return self.changes

    def raise_event(self, *events: Event) -> None:
        self.events.extend(events)

    def add_invoice(self, invoice: Invoice) -> None:
        self.staged.new_invoices.append(invoice)

    def update_invoice(self, invoice: Invoice) -> None:
        """Write this invoice with a condition on the version it was read at (once per commit)."""
        changes = self.staged
        if invoice in changes.new_invoices or any(i is invoice for i, _ in changes.updated_invoices):
            return
        changes.updated_invoices.append((invoice, self._invoice_versions.get(invoice.year, invoice.version)))

    def add_document(self, key: str, html: str, sha256: str) -> None:
        """Store a document of the loaded contract (it must not exist yet: documents are frozen once written)."""
        self.staged.documents.append(StoredDocument(self.staged.contract.id, key, html, sha256))

    def add_tokens(self, tokens: list[SigningToken]) -> None:
        self.staged.new_tokens.extend(tokens)

    def mark_token(self, token: SigningToken, status: str, at: str | None = None) -> None:
        """Move an active signing token to `status` (used | revoked), on condition that it is still active."""
        token.status = status
        if at is not None:
            token.used_at = at
        self.staged.updated_tokens.append((token, "active"))

    # ---- commit ---------------------------------------------------------------------------------------
    def commit(self, at: str | None = None) -> None:
        """Stage the raised events in the audit chain and outbox (at `at`, default now) and write everything in
        one transaction."""
        changes = self.staged
        stage_events(changes, self.events, self.actor, at or self.deps.now_iso())
        obligation_store.stage_schedule(changes)  # the obligations job's index entry follows the contract
        self.deps.repo.commit(changes)
        self.committed = True


def run(deps: Deps, actor: str, use_case: Callable[[UnitOfWork], T], recent_first: bool = False) -> T:
    """Run `use_case` in a fresh unit of work, again from the start when a concurrent writer won.

    `recent_first`: the first run reads the contract as this process last read or wrote it (no request when it
    has it; adapters/recent.py), for a use case a signer usually reaches right after another on the same contract.
    That run stands only if it committed, since a commit on a stale copy is refused by the contract's version
    condition. Anything else (a refusal, the same reply to a repeated request without a write, a lost race) is
    not answered from the copy: the use case runs again, from the start, on fresh reads."""
    if recent_first:
        uow = UnitOfWork(deps, actor, recent=True)
        try:
            result = use_case(uow)
        except ConcurrentUpdate:
            pass
        except Unavailable:  # DynamoDB is throttling: a second run at once would only add to its load
            raise
        except DomainError:
            if uow.committed:  # refused after committing (a wrong code's try): the copy was current
                raise
        else:
            if uow.committed:
                return result
    return retry_on_conflict(lambda: use_case(UnitOfWork(deps, actor)))
