"""Certificates anyone can verify: made on demand for a person's counting attempt,
found by an unguessable code, revocable with a reason.

- The code: 12 characters drawn with `secrets` from a 30-letter alphabet without look-alikes
  (no I, L, O, U, 0, 1): 12 × log2(30) ≈ 58.9 bits. Stored without dashes, shown as
  XXXX-XXXX-XXXX; what a person types is upper-cased and dashes and spaces are ignored.
- The counting attempt: the attempt that counts for the person in the whole-contest ranking,
  as `counting.standing` names it (the same one /ket-qua, the ranking and the exports
  name). Until the whole-contest ranking is published its true figure is provisional, and
  the certificate says so.
- The kind is set by the contest: "participation" for any finished attempt, "achievement"
  only when the score reaches the pass mark (no certificate below it).
- The row is created on the first download; the PDF is rendered then and kept in the one cache
  (when REDIS_URL is set) under the code and a hash of everything printed on it, so a
  corrected name gives a fresh PDF and nothing is made for people who never ask.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cdso.caching import remember
from cdso.extensions import db
from cdso.formatting import date_long, number
from cdso.models import Attempt, AttemptStatus, Certificate, Contest, Registration
from cdso.services.contest import counting

log = logging.getLogger(__name__)

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
CACHE_SECONDS = 30 * 24 * 3600
KIND_LABELS = {
    "participation": "Đã tham gia và hoàn thành bài thi",
    "achievement": "Đã hoàn thành bài thi đạt yêu cầu",
}
PLACE = "Hải Phòng"
_TYPED_SEPARATORS = re.compile(r"[\s\-–—_.]")
ROOT = Path(__file__).resolve().parents[3]


class NotEligible(ValueError):
    """No certificate for this attempt; the message is for the person asking."""


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str | None) -> str | None:
    """What a person typed ("k7qx m3tp-9hrw") as a stored code, or None if it cannot be one."""
    value = _TYPED_SEPARATORS.sub("", (typed or "").upper())
    if len(value) != CODE_LENGTH or any(ch not in ALPHABET for ch in value):
        return None
    return value


def display_code(code: str) -> str:
    """"K7QXM3TP9HRW" -> "K7QX-M3TP-9HRW"."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def verify_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/xac-minh/{display_code(code)}"


def counting_attempt(contest: Contest, account_id: int, now: dt.datetime) -> Attempt | None:
    """The attempt the person's certificate is for: their counting attempt in the
    whole-contest ranking."""
    return counting.standing(contest, account_id, None, now).attempt


def kind_for(contest: Contest, attempt: Attempt) -> str:
    """The kind of certificate this attempt earns, or NotEligible with the reason."""
    if attempt.status != AttemptStatus.FINISHED.value or attempt.score is None:
        raise NotEligible("Bài thi chưa được nộp nên chưa có giấy chứng nhận.")
    if contest.certificate_kind == "achievement":
        if attempt.score < contest.pass_mark:
            raise NotEligible(
                f"Giấy chứng nhận dành cho bài thi đạt từ {number(contest.pass_mark)} câu đúng "
                f"trở lên; bài thi tốt nhất của bạn đúng {number(attempt.score)} câu.")
        return "achievement"
    return "participation"


def issue(contest: Contest, attempt: Attempt, now: dt.datetime) -> Certificate:
    """The attempt's certificate, created on first request. Flushes; safe when two
    requests race (the unique attempt_id keeps one row, the loser reads it)."""
    existing = find_by_attempt(attempt.id)
    if existing is not None:
        return existing
    kind = kind_for(contest, attempt)
    for _ in range(3):  # a code collision is ~2^-59 per pair; retry rather than fail
        certificate = Certificate(code=new_code(), attempt_id=attempt.id,
                                  account_id=attempt.account_id, kind=kind, issued_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(certificate)
                db.session.flush()
            return certificate
        except IntegrityError:
            existing = find_by_attempt(attempt.id)
            if existing is not None:
                return existing
    raise RuntimeError("could not allocate a certificate code")


def find_by_attempt(attempt_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.attempt_id == attempt_id))


def find_by_code(typed: str | None) -> Certificate | None:
    code = normalise_code(typed)
    if code is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


@dataclass
class Verification:
    """What the public verification page may say about a certificate."""

    code: str
    valid: bool
    kind_label: str
    masked_name: str
    unit_name: str
    score: int
    question_count: int
    finished_at: dt.datetime
    contest_name: str
    revoked_at: dt.datetime | None
    revoked_reason: str | None


def verification(certificate: Certificate) -> Verification:
    from cdso.services.accounts.masking import mask_name
    attempt = certificate.attempt
    registration = db.session.get(Registration, attempt.registration_id)
    contest = db.session.get(Contest, attempt.contest_id)
    return Verification(
        code=display_code(certificate.code), valid=certificate.revoked_at is None,
        kind_label=KIND_LABELS[certificate.kind],
        masked_name=mask_name(certificate.account.full_name),
        unit_name=registration.unit.name, score=attempt.score,
        question_count=attempt.question_count, finished_at=attempt.finished_at,
        contest_name=contest.name, revoked_at=certificate.revoked_at,
        revoked_reason=certificate.revoked_reason)


def revoke(certificate: Certificate, reason: str, actor_id: int, now: dt.datetime,
           ip: str | None = None) -> None:
    """Revoke with a reason (5–500 characters), logged. Raises NotEligible with the message."""
    from cdso.models import AuditLog
    reason = " ".join((reason or "").split())
    if certificate.revoked_at is not None:
        raise NotEligible("Giấy chứng nhận này đã bị thu hồi trước đó.")
    if len(reason) < 5:
        raise NotEligible("Xin ghi rõ lý do thu hồi (ít nhất 5 ký tự).")
    if len(reason) > 500:
        raise NotEligible("Lý do thu hồi dài quá 500 ký tự.")
    certificate.revoked_at = now
    certificate.revoked_reason = reason
    certificate.revoked_by_id = actor_id
    db.session.add(AuditLog(at=now, actor_id=actor_id, action="certificate.revoke",
                            target_type="certificate", target_id=certificate.id,
                            detail={"code": certificate.code, "reason": reason}, ip=ip))
    db.session.flush()


PROVISIONAL_NOTE = ("Kết quả tạm tính: Ban Tổ chức chưa công bố kết quả toàn Cuộc thi; lượt thi "
                    "được tính có thể thay đổi theo con số đúng của câu hỏi dự đoán.")


def provisional(contest: Contest) -> bool:
    """A certificate's result is provisional until the whole-contest ranking is published."""
    run = counting.published_run(contest.id, None, "individual")
    return run is None or run.truth_value is None


def printed_fields(certificate: Certificate, base_url: str) -> dict:
    """Everything printed on the certificate (templates/pdf/certificate.html `cert`)."""
    attempt = certificate.attempt
    contest = db.session.get(Contest, attempt.contest_id)
    registration = db.session.get(Registration, attempt.registration_id)
    organiser = "\n".join(part for part in (contest.parent_agency, contest.organiser) if part)
    return {
        "contest_name": contest.name,
        "organiser": organiser,
        "kind_label": KIND_LABELS[certificate.kind],
        "full_name": certificate.account.full_name,
        "unit_name": registration.unit.name,
        "score_text": f"{number(attempt.score)}/{number(attempt.question_count)} câu đúng",
        "date_text": f"{PLACE}, {date_long(attempt.finished_at)}",
        "signer_title": contest.signer_title,
        "signer_name": contest.signer_name,
        "code": display_code(certificate.code),
        "verify_url": verify_url(base_url, certificate.code),
        "provisional_note": PROVISIONAL_NOTE if provisional(contest) else "",
    }


@functools.cache
def _design_version() -> str:
    """A hash of the template and stylesheet: a new design makes every cached PDF stale."""
    digest = hashlib.sha256()
    for path in ("templates/pdf/certificate.html", "templates/pdf/_macros.html",
                 "static/css/pdf/base.css", "static/css/pdf/certificate.css"):
        digest.update((ROOT / path).read_bytes())
    return digest.hexdigest()[:12]


def cache_key(fields: dict) -> str:
    content = json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()
    version = hashlib.sha256(content).hexdigest()[:16]
    return f"cert:{fields['code']}:{_design_version()}:{version}"


def render(fields: dict) -> bytes:
    from flask import render_template
    from cdso.services.documents import pdf  # WeasyPrint: loaded at the first certificate
    html = render_template("pdf/certificate.html", cert=fields,
                           qr_svg=pdf.qr_svg(fields["verify_url"]))
    return pdf.render_pdf(html)


def pdf_bytes(certificate: Certificate, base_url: str) -> bytes:
    """The certificate's PDF, from the one cache when it holds the same content."""
    if certificate.revoked_at is not None:
        raise NotEligible("Giấy chứng nhận này đã bị thu hồi.")
    fields = printed_fields(certificate, base_url)
    return remember(cache_key(fields), lambda: render(fields), CACHE_SECONDS)
