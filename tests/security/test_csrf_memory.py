"""CSRF tokens are verified once per worker (cdso/web/csrf.py): a remembered token still
passes only with the session it was made for, and a forged or missing one never does."""
from __future__ import annotations

from cdso.extensions import csrf
from tests.test_quiz_support import HTMX, participant_client, start, token


def post_answer(client, attempt_id, csrf_token, choice="1"):
    data = {"choice": choice, "go": "next"}
    if csrf_token is not None:
        data["csrf_token"] = csrf_token
    return client.post(f"/thi/{attempt_id}/cau/1", headers=HTMX, data=data)


def test_a_remembered_token_passes_again_only_in_its_own_session(app, contest):
    mine, _ = participant_client(app, contest)
    attempt_id = start(mine)
    signed = token(mine, f"/thi/{attempt_id}/cau/1")
    for _ in range(2):  # verified in full, then remembered: the same answer either time
        assert post_answer(mine, attempt_id, signed).status_code != 400
    assert signed in csrf._verified
    other, _ = participant_client(app, contest)
    other_attempt = start(other)
    refused = post_answer(other, other_attempt, signed)  # a remembered token, another session
    assert refused.status_code == 400
    assert "Phiên làm việc đã hết hạn" in refused.get_data(as_text=True)


def test_a_forged_or_missing_token_is_refused_after_one_was_remembered(app, contest):
    client, _ = participant_client(app, contest)
    attempt_id = start(client)
    signed = token(client, f"/thi/{attempt_id}/cau/1")
    assert post_answer(client, attempt_id, signed).status_code != 400
    for forged in (signed[:-2] + ("AA" if not signed.endswith("AA") else "BB"), "", None):
        assert post_answer(client, attempt_id, forged).status_code == 400


def test_with_a_time_limit_nothing_is_remembered(app, contest):
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    csrf._verified.clear()
    client, _ = participant_client(app, contest)
    attempt_id = start(client)
    signed = token(client, f"/thi/{attempt_id}/cau/1")
    assert post_answer(client, attempt_id, signed).status_code != 400
    assert not csrf._verified
