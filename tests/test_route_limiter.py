"""RouteLimiter (cdso/extensions.py): Flask-Limiter without its check before every
request. A limit on a route is still enforced by its decorator; a limit that only that
check would enforce (default, application, blueprint) stops the app from starting."""
from __future__ import annotations

import pytest
from flask import Blueprint, Flask

from cdso.extensions import RouteLimiter


def limited_app(**limits):
    limiter = RouteLimiter(key_func=lambda: "one", storage_uri="memory://", **limits)
    app = Flask(__name__)
    limiter.init_app(app)
    return app, limiter


def test_a_limit_on_a_route_is_enforced_by_its_decorator():
    app, limiter = limited_app()

    @app.get("/")
    @limiter.limit("2/minute")
    def home():
        return "ok"

    limiter.check_route_limits_only()
    client = app.test_client()
    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.parametrize("limits", [{"default_limits": ["1/minute"]},
                                    {"application_limits": ["1/minute"]}])
def test_a_limit_not_on_a_route_stops_the_app_from_starting(limits):
    _, limiter = limited_app(**limits)
    with pytest.raises(RuntimeError, match="routes only"):
        limiter.check_route_limits_only()


def test_a_limit_on_a_blueprint_stops_the_app_from_starting():
    app, limiter = limited_app()
    limiter.limit("1/minute")(Blueprint("office", __name__))
    with pytest.raises(RuntimeError, match="routes only"):
        limiter.check_route_limits_only()
