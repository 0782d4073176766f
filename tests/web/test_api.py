"""The JSON API: forecasts equal the Python API's, errors are one clear line, uploads are
bounded and stay inside the server's working directory, and the server binds to loopback."""

from __future__ import annotations

import copy
import inspect
import json
import math
import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

import detente
from detente.scenario import build_scenario
from detente.web import DEFAULT_HOST, create_app, make_server, serve
from detente.web.app import MAX_BODY, MAX_UPLOAD


def _detail(r) -> str:
    body = r.json()
    assert set(body) == {"detail"}
    assert isinstance(body["detail"], str) and "\n" not in body["detail"]
    return body["detail"]


# -- forecasts ---------------------------------------------------------------------------


def test_forecast_equals_the_python_api(client, demo, demo_dict):
    r = client.post("/api/forecast", json={"scenario": demo_dict})
    assert r.status_code == 200
    body = r.json()
    ran = [m["name"] for m in body["models"]]
    assert ran == [
        m
        for m in detente.api.default_models(demo)
        if m not in {s["model"] for s in body["skipped"]}
    ]
    assert {"compromise", "mean_voter", "weighted_median", "nash"} <= set(ran)
    want = detente.model_forecasts(demo, ran, seed=0)  # the API seeds stochastic models with 0
    assert [m["name"] for m in body["models"]] == list(dict.fromkeys(want["model"]))
    assert [i["id"] for i in body["issues"]] == list(demo.issue_ids)
    assert len(body["forecasts"]) == len(want)
    for rec, (_, row) in zip(body["forecasts"], want.iterrows()):
        assert (rec["model"], rec["issue"]) == (row["model"], row["issue"])
        if math.isnan(row["forecast"]):  # no forecast (an issue without a status quo,
            # for the procedural models): JSON null
            assert rec["forecast"] is None and body["table"][row["model"]][row["issue"]] is None
            continue
        assert rec["forecast"] == pytest.approx(row["forecast"], rel=1e-12, abs=1e-12)
        assert body["table"][row["model"]][row["issue"]] == pytest.approx(row["forecast"])
    border = next(i for i in body["issues"] if i["id"] == "border")
    assert (border["low_label"], border["high_label"], border["status_quo"]) == (
        "Old line",
        "New line",
        20.0,
    )


def test_forecast_carries_round_by_round_paths_and_the_alignment(client, demo, demo_dict):
    plain = client.post("/api/forecast", json={"scenario": demo_dict, "models": ["nash"]})
    assert plain.json()["history"] is None and plain.json()["alliances"] is None  # not asked
    r = client.post(
        "/api/forecast",
        json={"scenario": demo_dict, "models": ["eum", "nash"], "history": True, "alliances": True},
    )
    assert r.status_code == 200
    body = r.json()
    assert list(body["history"]) == ["eum"]  # static models have no rounds
    run = detente.run_model(demo, "eum")
    hist = body["history"]["eum"]
    assert hist["rounds"] == run.rounds.shape[0] - 1
    mask = demo.to_arrays().mask
    for k, iss in enumerate(demo.issue_ids):
        got = hist["issues"][iss]
        assert [a["id"] for a in got["actors"]] == [
            a for i, a in enumerate(demo.actor_ids) if mask[i, k]
        ]
        assert got["forecast"] == pytest.approx(run.forecast[k])
        for a in got["actors"]:
            i = demo.actor_ids.index(a["id"])
            assert a["path"] == pytest.approx(run.rounds[:, i, k].tolist())
    al = body["alliances"]
    n = len(demo.actors)
    assert al["actors"] == list(demo.actor_ids) and len(al["matrix"]) == n
    for i in range(n):
        assert al["matrix"][i][i] == pytest.approx(1.0)
        for j in range(n):
            v = al["matrix"][i][j]
            assert v is None or (-1.0 - 1e-12 <= v <= 1.0 + 1e-12)
            assert v == al["matrix"][j][i] or v == pytest.approx(al["matrix"][j][i])


def test_forecast_of_chosen_models(client, demo, demo_dict):
    r = client.post("/api/forecast", json={"scenario": demo_dict, "models": ["nash"]})
    assert r.status_code == 200
    assert list(r.json()["table"]) == ["nash"]
    # The compromise is the capability x salience weighted mean; check one by hand.
    r = client.post("/api/forecast", json={"scenario": demo_dict, "models": ["compromise"]})
    w = {"north": 80 * 0.5, "south": 50 * 0.6, "east": 30 * 0.2, "rebels": 15 * 1.0}
    x = {"north": 8, "south": 2, "east": 5, "rebels": 0}
    want = sum(w[a] * x[a] for a in w) / sum(w.values())
    assert r.json()["table"]["compromise"]["troops"] == pytest.approx(want)


@pytest.mark.parametrize(
    "mutate, status, words",
    [
        (lambda d: d.pop("scenario"), 422, ["field 'scenario'", "required"]),
        (lambda d: d.update(models=["nope"]), 422, ["field 'models'", "'nope'"]),
        (lambda d: d.update(seed="abc"), 422, ["field 'seed'"]),
        (lambda d: d.update(extra=1), 422, ["field 'extra'"]),
        (
            lambda d: d["scenario"]["stances"][0].update(position=150),
            422,
            ["actor 'north'", "issue 'border'", "field 'position'", "150"],
        ),
        (
            lambda d: d["scenario"]["actors"][1].update(capability=-3),
            422,
            ["actor 'south'", "field 'capability'"],
        ),
        (lambda d: d["scenario"].pop("issues"), 422, ["issues"]),
    ],
)
def test_bad_forecast_requests_get_one_line_naming_the_field(
    client, demo_dict, mutate, status, words
):
    body = {"scenario": copy.deepcopy(demo_dict)}
    mutate(body)
    r = client.post("/api/forecast", json=body)
    assert r.status_code == status
    msg = _detail(r)
    for w in words:
        assert w in msg, msg


def test_malformed_json_is_a_clear_error(client):
    r = client.post(
        "/api/forecast", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert "not valid JSON" in _detail(r)


def test_bodies_without_length_or_too_large_are_refused(client, demo_dict):
    def chunks():
        yield json.dumps({"scenario": demo_dict}).encode()

    r = client.post("/api/forecast", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 411
    big = b'{"scenario": {"title": "' + b"x" * MAX_BODY + b'"}}'
    r = client.post("/api/forecast", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert "too large" in _detail(r)


# -- scenarios and models ----------------------------------------------------------------


def test_scenarios_list_the_embedded_ones_and_round_trip(client):
    r = client.get("/api/scenarios")
    assert r.status_code == 200
    names = [s["name"] for s in r.json()["scenarios"]]
    assert names == detente.embedded_names()
    baselines = ["compromise", "mean_voter", "weighted_median", "nash"]
    for name in names:
        data = client.get(f"/api/scenarios/{name}").json()["scenario"]
        got = client.post("/api/forecast", json={"scenario": data, "models": baselines})
        want = detente.model_forecasts(detente.load(name), baselines)
        assert [g["forecast"] for g in got.json()["forecasts"]] == pytest.approx(
            list(want["forecast"])
        )


@pytest.mark.parametrize("name", ["nope", "..", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "a b"])
def test_unknown_or_odd_scenario_names_are_404(client, name):
    r = client.get(f"/api/scenarios/{name}")
    assert r.status_code == 404


def test_models_lists_the_registered_models(client):
    r = client.get("/api/models")
    assert [m["model"] for m in r.json()["models"]] == detente.available_models()


# -- uploads -----------------------------------------------------------------------------


def _upload(client, name: str, data: bytes, **form):
    return client.post("/api/upload", files={"file": (name, data)}, data=form or None)


def test_upload_reads_any_format_and_serves_it_back(client, demo, tmp_path, demo_text):
    r = _upload(client, "demo.yaml", demo_text.encode())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["filename"] == "demo.yaml" and body["name"].startswith("upload-")
    assert build_scenario(body["scenario"]) == demo
    listed = [s["name"] for s in client.get("/api/scenarios").json()["scenarios"]]
    assert body["name"] in listed
    again = client.get(f"/api/scenarios/{body['name']}").json()["scenario"]
    assert build_scenario(again) == demo
    # a long CSV of the same scenario gives the same forecasts
    from detente.scenario.io import write_long_csv

    r2 = _upload(client, "demo.csv", write_long_csv(demo).encode())
    assert r2.status_code == 200, r2.text
    f1 = client.post("/api/forecast", json={"scenario": body["scenario"]}).json()["forecasts"]
    f2 = client.post("/api/forecast", json={"scenario": r2.json()["scenario"]}).json()
    assert [x["forecast"] for x in f1] == pytest.approx([x["forecast"] for x in f2["forecasts"]])


def test_upload_size_limit(client):
    r = _upload(client, "big.yaml", b"#" * (MAX_UPLOAD + 1))
    assert r.status_code == 413
    assert "field 'file'" in _detail(r)
    r = _upload(client, "huge.yaml", b"#" * (MAX_BODY + 10))
    assert r.status_code == 413
    files = list((client.app.state.workdir / "uploads").iterdir())
    assert files == []


@pytest.mark.parametrize(
    "name",
    [
        "../../escape.yaml",
        "..\\..\\escape.yaml",
        "/tmp/escape.yaml",
        "....//....//escape.yaml",
        "%2e%2e%2fescape.yaml",
        "uploads/../../escape.yaml",
    ],
)
def test_upload_names_cannot_traverse_paths(client, name, demo_text):
    work = Path(client.app.state.workdir).resolve()
    before = {p for p in work.parent.rglob("*")}
    r = _upload(client, name, demo_text.encode())
    assert r.status_code == 200, r.text
    assert "/" not in r.json()["filename"] and "\\" not in r.json()["filename"]
    after = {p for p in work.parent.rglob("*")}
    new = after - before
    assert len(new) == 1
    (path,) = new
    assert path.resolve().parent == work / "uploads"
    assert "escape" not in path.name  # a generated name, not the one sent
    assert not Path("/tmp/escape.yaml").exists()


def test_bad_uploads_are_clear_errors_and_leave_nothing(client, demo_text):
    r = _upload(client, "notes.exe", b"hello")
    assert r.status_code == 422
    assert "field 'file'" in _detail(r) and ".exe" in _detail(r)
    r = _upload(client, "broken.yaml", b"actors: [")
    assert r.status_code == 422
    msg = _detail(r)
    assert msg.startswith("broken.yaml:") and "YAML" in msg
    assert str(client.app.state.workdir) not in msg
    r = _upload(client, "demo.yaml", demo_text.encode(), issue="../x")
    assert r.status_code == 422 and "field 'issue'" in _detail(r)
    r = client.post("/api/upload")
    assert r.status_code == 422 and "field 'file'" in _detail(r)
    assert list((client.app.state.workdir / "uploads").iterdir()) == []


# -- what-if and report ------------------------------------------------------------------


def test_whatif_matches_a_forecast_of_the_changed_scenario(client, demo_dict):
    patch = "south.border.position = 50\nnorth.capability *= 2  # twice as strong"
    r = client.post(
        "/api/whatif",
        json={"scenario": demo_dict, "patch": patch, "models": ["compromise", "weighted_median"]},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    changed = copy.deepcopy(demo_dict)
    changed["stances"][1]["position"] = 50
    cap = changed["actors"][0]["capability"]
    cap["value"] = 160
    cap["range"] = [70, 160]  # widened to hold the new value
    want = detente.model_forecasts(build_scenario(changed), ["compromise", "weighted_median"])
    before = detente.model_forecasts(build_scenario(demo_dict), ["compromise", "weighted_median"])
    assert len(body["differences"]) == len(want)
    for d, (_, w), (_, b) in zip(body["differences"], want.iterrows(), before.iterrows()):
        assert (d["model"], d["issue"]) == (w["model"], w["issue"])
        assert d["after"] == pytest.approx(w["forecast"])
        assert d["before"] == pytest.approx(b["forecast"])
        assert d["change"] == pytest.approx(w["forecast"] - b["forecast"])
    assert body["changes"] == ["south.border.position = 50", "north.capability *= 2"]
    # the same patch given as data
    data_patch = [
        {"actor": "south", "issue": "border", "field": "position", "value": 50},
        {"actor": "north", "field": "capability", "op": "*=", "value": 2},
    ]
    r2 = client.post(
        "/api/whatif",
        json={
            "scenario": demo_dict,
            "patch": data_patch,
            "models": ["compromise", "weighted_median"],
        },
    )
    assert r2.json()["differences"] == body["differences"]


def test_whatif_takes_yaml_patches_and_never_reads_files(client, demo_dict, tmp_path):
    patch = "description: the rebels leave\ndrop_actor: [rebels]\n"
    r = client.post(
        "/api/whatif", json={"scenario": demo_dict, "patch": patch, "models": ["compromise"]}
    )
    assert r.status_code == 200, r.text
    without = copy.deepcopy(demo_dict)
    without["actors"] = [a for a in without["actors"] if a["id"] != "rebels"]
    without["stances"] = [s for s in without["stances"] if s["actor"] != "rebels"]
    want = detente.model_forecasts(build_scenario(without), ["compromise"])
    assert [d["after"] for d in r.json()["differences"]] == pytest.approx(list(want["forecast"]))
    assert "rebels" not in [a["id"] for a in r.json()["patched"]["actors"]]
    # the change in words, with the actor's name
    rebels = next(a for a in demo_dict["actors"] if a["id"] == "rebels")
    assert r.json()["changes"] == [f"without {rebels.get('name') or 'rebels'}"]
    # The same patch as JSON data gives the same answer.
    r2 = client.post(
        "/api/whatif",
        json={"scenario": demo_dict, "models": ["compromise"], "patch": {"drop_actor": ["rebels"]}},
    )
    assert r2.json()["differences"] == r.json()["differences"]
    # A patch file on the server is not a patch the client can name.
    secret = tmp_path / "patch.yaml"
    secret.write_text(patch, encoding="utf-8")
    r3 = client.post("/api/whatif", json={"scenario": demo_dict, "patch": str(secret)})
    assert r3.status_code == 422 and "mapping of operations" in _detail(r3)


@pytest.mark.parametrize(
    "patch, words",
    [
        ("nobody.capability = 3", ["unknown actor 'nobody'"]),
        ("west.troops.position = 3", ["no stance", "'west'", "'troops'"]),
        ("west.troops.position += 3", ["no stance", "'west'", "'troops'"]),
        ("set: [{actor: nobody, capability: 3}]", ["patch:1", "no such actor", "'nobody'"]),
        ("join: [{actors: [north]}]", ["patch:1", "join"]),
        ("north.border.position = 500", ["actor 'north'", "issue 'border'", "field 'position'"]),
        ("north.border.mood = 5", ["line 1", "unknown field 'mood'"]),
        ("north.border.position = lots", ["line 1", "'lots'"]),
        ("", ["no change"]),
        ([{"actor": "north", "field": "capability"}], ["patch.0", "value"]),
    ],
)
def test_bad_whatif_patches_are_clear_errors(client, demo_dict, patch, words):
    r = client.post("/api/whatif", json={"scenario": demo_dict, "patch": patch})
    assert r.status_code == 422
    msg = _detail(r)
    for w in words:
        assert w in msg, msg


def test_report_downloads(client, demo_dict, demo_text):
    r = client.post("/api/report", json={"scenario": demo_dict, "models": ["compromise"]})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-disposition"] == 'attachment; filename="demo-report.html"'
    assert r.text.startswith("<!DOCTYPE html>") and "Where the border runs" in r.text
    r = client.post(
        "/api/report", json={"scenario": demo_dict, "models": ["compromise"], "format": "pdf"}
    )
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
    r = client.post("/api/report", json={"scenario": demo_dict, "format": "docx"})
    assert r.status_code == 422 and "field 'format'" in _detail(r)
    up = _upload(client, "demo.yaml", demo_text.encode()).json()["name"]
    r = client.get("/api/report", params={"name": up, "model": ["compromise", "nash"]})
    assert r.status_code == 200 and "Where the border runs" in r.text
    assert client.get("/api/report", params={"name": "../etc"}).status_code == 404


# -- schema, page, binding ---------------------------------------------------------------


def test_openapi_schema_describes_the_api(client):
    schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] == "detente"
    post = schema["paths"]["/api/forecast"]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    model = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert model["required"] == ["scenario"]
    for path in (
        "/api/scenarios",
        "/api/scenarios/{name}",
        "/api/whatif",
        "/api/upload",
        "/api/report",
        "/api/models",
    ):
        assert path in schema["paths"]


def test_the_page_and_its_assets_are_served_without_any_cdn(client):
    page = client.get("/")
    assert page.status_code == 200 and 'id="forecast-table"' in page.text
    for asset in ("/static/app.js", "/static/style.css"):
        r = client.get(asset)
        assert r.status_code == 200
        # No fetch from another host: the only URL is the SVG namespace.
        assert set(re.findall(r"https?://[^\s\"'`)]+", r.text)) <= {"http://www.w3.org/2000/svg"}
    assert not re.findall(r"(?:src|href)=\"https?://", page.text)
    # FastAPI's /docs pages would load scripts from a CDN: they are off.
    assert client.get("/docs").status_code == 404


def test_server_binds_to_loopback_by_default(monkeypatch):
    assert DEFAULT_HOST == "127.0.0.1"
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"
    assert make_server(create_app()).config.host == "127.0.0.1"
    import typer
    from typer.testing import CliRunner

    from detente import web
    from detente.web.commands import add_commands

    seen = {}
    monkeypatch.setattr(web, "serve", lambda **kw: seen.update(kw))
    app = typer.Typer()
    app.callback()(lambda: None)  # a group, as in the CLI, even with one command
    add_commands(app)
    res = CliRunner().invoke(app, ["serve"])
    assert res.exit_code == 0, res.output
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8000


def test_own_workdir_is_removed_on_shutdown(demo_text):
    from fastapi.testclient import TestClient

    app = create_app()
    work = Path(app.state.workdir)
    with TestClient(app) as c:
        assert _upload(c, "demo.yaml", demo_text.encode()).status_code == 200
        assert len(list((work / "uploads").iterdir())) == 1
    assert not work.exists()


def test_nan_forecasts_are_null_in_json():
    from detente.web.app import _clean

    assert _clean(float("nan")) is None and _clean(math.inf) is None and _clean(1.5) == 1.5


def test_a_whatif_patch_with_aliases_is_refused_at_once(client, demo_dict):
    import time

    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")
    )
    t0 = time.perf_counter()
    r = client.post("/api/whatif", json={"scenario": demo_dict, "patch": bomb})
    assert r.status_code == 422 and "aliases" in _detail(r)
    assert time.perf_counter() - t0 < 1.0


@pytest.mark.parametrize("port", [-1, 65536, 99999, "80", True])
def test_make_server_refuses_a_port_out_of_range(port):
    from detente.errors import ParameterError

    with pytest.raises(ParameterError, match="port must be a whole number from 0 to 65535"):
        make_server(create_app(workers=0), port=port)


def test_forecast_carries_the_headline_when_asked(client, demo, demo_dict):
    """The page's headline is the one of detente.forecast (same draws and seed), and it is
    computed only when asked for."""
    from detente.headline import headline_frame
    from detente.web.payload import WEB_DRAWS

    plain = client.post("/api/forecast", json={"scenario": demo_dict}).json()
    assert plain["headline"] is None
    res = client.post("/api/forecast", json={"scenario": demo_dict, "headline": True}).json()
    frame = headline_frame(demo, draws=WEB_DRAWS, seed=0).set_index("issue")
    assert [r["issue"] for r in res["headline"]["rows"]] == list(demo.issue_ids)
    for r in res["headline"]["rows"]:
        want = frame.loc[r["issue"]]
        assert r["forecast"] == pytest.approx(want["forecast"])
        assert (r["low"], r["high"]) == pytest.approx((want["q10"], want["q90"]))
        assert r["interval_svg"].startswith('<svg class="interval"')


def test_the_headline_cache_gives_the_same_answer_and_keys_on_content(demo):
    import detente.web.payload as P

    P._HEADLINES.clear()
    first = P.headline_payload(demo, 0)
    assert len(P._HEADLINES) == 1
    assert P.headline_payload(demo, 0) == first and len(P._HEADLINES) == 1  # a hit
    P.headline_payload(demo, 1)  # another seed: another entry
    moved = demo.model_copy(update={"id": "other"})
    P.headline_payload(moved, 0)  # other content: another entry
    assert len(P._HEADLINES) == 3
