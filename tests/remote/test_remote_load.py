"""``ccai load --backend remote`` against the session's Virtuoso.

These tests load into their own copy of the dataset (another
``CCAI_REMOTE_DEFAULT_GRAPH``, so another manifest), leaving the copy the
parity tests read untouched.
"""

from __future__ import annotations

import asyncio
import gzip
import re
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

import api.load as load_module
from api.cli import EXIT_UNUSABLE, main
from api.search.remote import all_rows
from api.store.layout import INFERRED, TripleCounts
from api.store.remote import RemoteStore
from tests.remote.conftest import remote_options
from tests.remote.virtuoso import Virtuoso

DEFAULT = "urn:x-ccai:load-tests"
LINKSET = "https://example.org/museum/linkset"
EX = "https://example.org/museum/"
ID = "https://w3id.org/ccai/id/"
LINKS = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{EX}object/1> <http://purl.org/dc/terms/subject> <{ID}organisation/nemo> .
<{EX}object/1> <http://www.w3.org/2000/01/rdf-schema#label> "Object one" .
<{EX}object/2> <http://purl.org/dc/terms/subject> <{ID}challenge/does-not-exist> .
<{EX}object/2> <http://purl.org/dc/terms/subject> [ rdfs:label "a blank node" ] .
"""


@pytest.fixture
def dataset(
    loaded: Virtuoso, build: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Virtuoso:
    """The build, loaded again under :data:`DEFAULT` (replacing whatever a test left).

    The tests run in an empty folder: ``--build`` (``build``) names no build there, so
    that no label index is kept beside a build of the checkout (``test_remote_index.py``
    covers that)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CCAI_REMOTE_DEFAULT_GRAPH", DEFAULT)
    monkeypatch.delenv("CCAI_BACKEND", raising=False)
    # a linkset left by an earlier test is dropped from the store, not just the manifest
    loaded.update(f"DROP SILENT GRAPH <{LINKSET}>")
    assert main(["load", "--quiet", "--build", str(build), *remote_options(loaded)]) == 0
    return loaded


def counts(server: Virtuoso, default: str = DEFAULT) -> TripleCounts:
    """The counts of the dataset under ``default``, as the service reads them."""

    async def main_() -> TripleCounts:
        store = RemoteStore(server.url + "/sparql", kind="virtuoso", default_graph_iri=default)
        await store.start()
        await store.close()
        return store.counts()

    return asyncio.run(main_())


def ask(server: Virtuoso, query: str) -> bool:
    r = httpx.post(
        server.url + "/sparql",
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    r.raise_for_status()
    return bool(r.json()["boolean"])


def graphs_with_prefix(server: Virtuoso, prefix: str) -> list[str]:
    r = httpx.post(
        server.url + "/sparql",
        data={
            "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }}'
        },
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    return [b["g"]["value"] for b in r.json()["results"]["bindings"]]


def test_files_load_into_a_named_graph_with_a_summary(
    dataset: Virtuoso, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = counts(dataset)
    path = tmp_path / "links.ttl.gz"
    path.write_bytes(gzip.compress(LINKS.encode()))
    capsys.readouterr()
    assert (
        main(
            ["load", "-q", "--no-validate", str(path), "--graph", LINKSET, *remote_options(dataset)]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "5 triples loaded" in out
    assert "links to ccai entities: 2" in out
    assert "dangling links: 1" in out and f"{ID}challenge/does-not-exist" in out
    after = counts(dataset)
    assert after.graphs[LINKSET] == 5
    assert after.total == before.total + 5  # the default graph follows
    # blank nodes became skolem IRIs (chunks are separate requests)
    assert not ask(dataset, f"ASK {{ GRAPH <{LINKSET}> {{ ?s ?p ?o FILTER(isBlank(?o)) }} }}")
    assert ask(
        dataset,
        f'ASK {{ GRAPH <{LINKSET}> {{ <{EX}object/2> ?p ?o . ?o ?q "a blank node" '
        'FILTER(STRSTARTS(STR(?o), "https://w3id.org/ccai/.well-known/genid/")) } }',
    )


def test_reloading_replaces_the_graph(dataset: Virtuoso, tmp_path: Path) -> None:
    first, second = tmp_path / "a.nt", tmp_path / "b.nt"
    first.write_text(f"<{EX}old> <{EX}p> <{EX}o> .\n<{EX}old> <{EX}q> <{EX}o> .\n")
    second.write_text(f"<{EX}new> <{EX}p> <{EX}o> .\n")
    base = counts(dataset).total
    for path, n in ((first, 2), (second, 1)):
        assert (
            main(
                [
                    "load",
                    "-q",
                    "--no-validate",
                    str(path),
                    "--graph",
                    LINKSET,
                    *remote_options(dataset),
                ]
            )
            == 0
        )
        now = counts(dataset)
        assert now.graphs[LINKSET] == n
        assert now.total == base + n  # the replaced triples left the default graph too


def test_a_parse_error_leaves_the_store_as_it_was(
    dataset: Virtuoso, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.nt"
    good.write_text(f"<{EX}a> <{EX}p> <{EX}o> .\n")
    assert (
        main(
            ["load", "-q", "--no-validate", str(good), "--graph", LINKSET, *remote_options(dataset)]
        )
        == 0
    )
    before = counts(dataset)
    bad = tmp_path / "bad.ttl"
    bad.write_text(f"<{EX}b> <{EX}p> <{EX}o> .\n\n<{EX}c> <{EX}p> .\n")
    capsys.readouterr()
    code = main(
        [
            "load",
            "-q",
            "--no-validate",
            str(good),
            str(bad),
            "--graph",
            LINKSET,
            *remote_options(dataset),
        ]
    )
    assert code == 2
    assert f"{bad}:3:" in capsys.readouterr().err
    assert counts(dataset) == before
    assert graphs_with_prefix(dataset, "urn:x-ccai:loading:") == []  # no temporary graph left


def test_sparql_update_alone_loads_too(dataset: Virtuoso, tmp_path: Path) -> None:
    path = tmp_path / "links.nt"
    path.write_text(f"<{EX}u> <{EX}p> <{ID}organisation/nemo> .\n")
    options = remote_options(dataset)
    i = options.index("--gsp-endpoint")
    del options[i : i + 2]
    assert main(["load", "-q", "--no-validate", str(path), "--graph", LINKSET, *options]) == 0
    assert counts(dataset).graphs[LINKSET] == 1


def test_wrong_credentials_exit_2_and_change_nothing(
    dataset: Virtuoso, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = counts(dataset)
    path = tmp_path / "links.nt"
    path.write_text(f"<{EX}w> <{EX}p> <{EX}o> .\n")
    options = remote_options(dataset)
    options[options.index("--password") + 1] = "wrong"
    capsys.readouterr()
    assert main(["load", "-q", "--no-validate", str(path), "--graph", LINKSET, *options]) == 2
    assert "HTTP 401" in capsys.readouterr().err
    assert counts(dataset) == before


def test_a_loaded_graph_gets_the_entailments_and_a_reload_replaces_them(
    dataset: Virtuoso, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The build's rules run on the remote store too (SPARQL UPDATE on the update
    endpoint): an instance of a subclass of ccai:Actor is a ccai:Actor, in the
    inferred graph and in the default graph, until the graph is loaded again."""
    inferred = "https://w3id.org/ccai/graph/inferred"
    actor = f"<{EX}m> a <https://w3id.org/ccai/ontology#Actor>"
    before = counts(dataset)
    first, second = tmp_path / "a.nt", tmp_path / "b.nt"
    first.write_text(
        f"<{EX}m> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://w3id.org/ccai/ontology#Organisation> .\n"
    )
    second.write_text(f"<{EX}n> <{EX}p> <{EX}o> .\n")
    options = ["load", "-q", "--no-validate", "--graph", LINKSET, *remote_options(dataset)]
    capsys.readouterr()
    assert main([*options, str(first)]) == 0
    assert "inferred graph:" in capsys.readouterr().out
    assert ask(dataset, f"ASK {{ GRAPH <{inferred}> {{ {actor} }} }}")
    assert ask(dataset, f"ASK {{ GRAPH <{DEFAULT}> {{ {actor} }} }}")
    assert counts(dataset).inferred > before.inferred
    assert main([*options, str(second)]) == 0
    assert not ask(dataset, f"ASK {{ GRAPH <{inferred}> {{ {actor} }} }}")
    assert not ask(dataset, f"ASK {{ GRAPH <{DEFAULT}> {{ ?s ?p ?o FILTER(?s = <{EX}m>) }} }}")
    assert counts(dataset).inferred == before.inferred  # the build's entailments, again
    assert graphs_with_prefix(dataset, "urn:x-ccai:loading:") == []


def triples(server: Virtuoso, graph: str) -> set[tuple[str, str, str]]:
    """Every triple of ``graph`` without a blank node (their labels are new on each
    load of the build; the counts cover them), in parts under Virtuoso's row cap."""

    def select(query: str) -> list[dict]:
        r = httpx.post(
            server.url + "/sparql",
            data={"query": query},
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
        assert r.status_code == 200, f"{query}: {r.text}"
        solutions = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)
        assert isinstance(solutions, ox.QuerySolutions)
        return [{v.value: s[v.value] for v in solutions.variables} for s in solutions]

    pattern = f"GRAPH <{graph}> {{ ?s ?p ?o FILTER(!isBlank(?s) && !isBlank(?o)) }}"
    rows = all_rows(select, "?s ?p ?o", pattern)
    return {(str(r["s"]), str(r["p"]), str(r["o"])) for r in rows}


TYPED = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{EX}m> a <https://w3id.org/ccai/ontology#Organisation> ; rdfs:label "An organisation" ;
    <http://purl.org/dc/terms/subject> <{ID}organisation/nemo> ;
    <{EX}vocab/holds> <{EX}work/1> .
<{EX}work/1> a <{EX}vocab/Artwork> .
"""  # the museum's own vocabulary: terms the store has never mentioned


def test_a_new_graph_is_inferred_from_its_own_triples_as_the_whole_store_would_be(
    dataset: Virtuoso,
    build: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The remote store takes the embedded store's short path for a new graph (only
    what the new triples entail, the working graph kept, not copied again): the same
    inferred graph, default graph and counts as inferring over the whole store."""
    path = tmp_path / "typed.ttl"
    path.write_text(TYPED)
    options = ["load", "-q", "--no-validate", str(path), "--graph", LINKSET]
    capsys.readouterr()
    assert main([*options, *remote_options(dataset)]) == 0
    assert "entailments of the new data" in capsys.readouterr().out
    short = (counts(dataset), triples(dataset, INFERRED), triples(dataset, DEFAULT))
    assert (f"<{EX}m>", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>",
            "<https://w3id.org/ccai/ontology#Actor>") in short[1]  # fmt: skip

    assert main(["load", "--quiet", "--build", str(build), *remote_options(dataset)]) == 0
    monkeypatch.setattr(load_module, "added_alone_suffices", lambda *a, **k: False)
    assert main([*options, *remote_options(dataset)]) == 0
    assert "entailments of every asserted graph" in capsys.readouterr().out
    whole = (counts(dataset), triples(dataset, INFERRED), triples(dataset, DEFAULT))
    assert short == whole


#: TYPED loaded again changed: ``m`` no longer typed (the range of its department's link
#: types it), its link to nemo gone, a department in.
RETYPED = (
    TYPED.replace(" a <https://w3id.org/ccai/ontology#Organisation> ;", "").replace(
        f"<http://purl.org/dc/terms/subject> <{ID}organisation/nemo> ;", ""
    )
    + f"<{EX}dept> <https://w3id.org/ccai/ontology#subOrganisationOf> <{EX}m> .\n"
)


def test_a_graph_loaded_again_is_inferred_from_what_changed_as_the_whole_store_would_be(
    dataset: Virtuoso,
    build: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Delete and rederive on Virtuoso (entail_replaced, on the working graph): a graph
    loaded again changed leaves the inferred graph, the default graph and the counts
    as inferring over the whole store does. Both ways the graph is changed by its
    difference with the new data on the server, never dropped and copied again."""
    first, second = tmp_path / "typed.ttl", tmp_path / "retyped.ttl"
    team = f"<{EX}team> a <https://w3id.org/ccai/ontology#Organisation> .\n"
    first.write_text(TYPED + team)  # the team and what it entails leave with the change
    second.write_text(RETYPED)
    assert RETYPED != TYPED and "dept" in RETYPED and "nemo" not in RETYPED
    options = ["load", "-q", "--no-validate", "--graph", LINKSET, *remote_options(dataset)]
    assert main([*options, str(first)]) == 0
    sent = updates_sent(monkeypatch)
    capsys.readouterr()
    assert main([*options, str(second)]) == 0
    assert "of what changed" in capsys.readouterr().out
    assert not rewrites(sent, LINKSET)
    # the rederivation joins in its written order, from the overdeleted graph (Virtuoso's
    # own plan sometimes ran past its time limit at 10⁶ triples); nothing else does
    ordered = [t for t in sent if t.startswith('DEFINE sql:select-option "order" ')]
    assert ordered and all(re.search(r"[{}] GRAPH <[^>]+:over> \{", t) for t in ordered)
    changed = (counts(dataset), triples(dataset, INFERRED), triples(dataset, DEFAULT))
    m_actor = (f"<{EX}m>", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>",
               "<https://w3id.org/ccai/ontology#Actor>")  # fmt: skip
    assert m_actor in changed[1]  # by the range of ccai:subOrganisationOf now
    assert not [t for t in changed[1] if t[0] == f"<{EX}team>"]
    assert graphs_with_prefix(dataset, "urn:x-ccai:loading:") == []

    assert main(["load", "--quiet", "--build", str(build), *remote_options(dataset)]) == 0
    assert main([*options, str(first)]) == 0
    monkeypatch.setattr(load_module, "entail_replaced", lambda *a, **k: None)
    sent.clear()
    capsys.readouterr()
    assert main([*options, str(second)]) == 0
    assert "entailments of every asserted graph" in capsys.readouterr().out
    assert not rewrites(sent, LINKSET)
    whole = (counts(dataset), triples(dataset, INFERRED), triples(dataset, DEFAULT))
    assert changed == whole
    assert graphs_with_prefix(dataset, "urn:x-ccai:loading:") == []


def updates_sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts of every SPARQL update a remote load sends from now on."""
    sent: list[str] = []
    send = load_module.RemoteTarget.update

    def update(self: load_module.RemoteTarget, text: str) -> None:
        sent.append(text)
        send(self, text)

    monkeypatch.setattr(load_module.RemoteTarget, "update", update)
    return sent


def rewrites(sent: list[str], graph: str) -> list[str]:
    """The updates of ``sent`` that drop ``graph`` or copy a whole graph into it."""
    copy = re.compile(
        rf"INSERT \{{ GRAPH <{re.escape(graph)}> \{{ \?s \?p \?o \}} \}} "
        r"WHERE \{ GRAPH <urn:x-ccai:loading:[0-9a-f]+> "
    )
    return [t for t in sent if f"DROP SILENT GRAPH <{graph}>" in t or copy.search(t)]


def test_a_term_the_store_speaks_of_used_for_the_first_time_means_the_whole_store(
    dataset: Virtuoso, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An IRI the store states things about, used as a class for the first time, becomes
    a schema term: what was inferred about it is dropped, so everything is inferred
    again (the check, asked of Virtuoso)."""
    path = tmp_path / "odd.ttl"
    path.write_text(f"<{EX}x> a <{ID}organisation/nemo> .\n")
    options = ["load", "-q", "--no-validate", str(path), "--graph", LINKSET]
    capsys.readouterr()
    assert main([*options, *remote_options(dataset)]) == 0
    assert "entailments of every asserted graph" in capsys.readouterr().out


def test_a_load_stopped_half_way_is_mended_by_the_next(dataset: Virtuoso, tmp_path: Path) -> None:
    """A load killed between changing the working graph and the swap leaves its mark in
    the manifest graph: the next load copies the working graph again first."""
    before = counts(dataset)
    manifest = DEFAULT + ":graphs"
    dataset.update(
        f"INSERT DATA {{ GRAPH <{DEFAULT}> {{ <{EX}stray> <{EX}p> <{EX}o> }} "
        f"GRAPH <{manifest}> {{ <{manifest}> <urn:x-ccai:working-graph-changing> true }} }}"
    )
    path = tmp_path / "one.nt"
    path.write_text(f"<{EX}one> <{EX}p> <{EX}o> .\n")
    options = ["load", "-q", "--no-validate", str(path), "--graph", LINKSET]
    assert main([*options, *remote_options(dataset)]) == 0
    assert not ask(dataset, f"ASK {{ GRAPH <{DEFAULT}> {{ <{EX}stray> ?p ?o }} }}")
    assert not ask(
        dataset, f"ASK {{ GRAPH <{manifest}> {{ ?m <urn:x-ccai:working-graph-changing> ?x }} }}"
    )
    assert counts(dataset).total == before.total + 1


def test_a_failure_after_the_comparison_leaves_the_store_as_it_was(
    dataset: Virtuoso, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A graph loaded again is compared with the new data on the server (the triples it
    gains and loses in graphs aside); a failure after that, while inferring, drops them
    with the new data, and the graph, the default graph and the counts are as before."""
    first, second = tmp_path / "typed.ttl", tmp_path / "retyped.ttl"
    first.write_text(TYPED)
    second.write_text(RETYPED)
    options = ["load", "-q", "--no-validate", "--graph", LINKSET, *remote_options(dataset)]
    assert main([*options, str(first)]) == 0
    before = (counts(dataset), triples(dataset, LINKSET), triples(dataset, DEFAULT))

    def fail(*args: object, **kwargs: object) -> None:
        assert graphs_with_prefix(dataset, "urn:x-ccai:loading:")  # the difference, aside
        raise RuntimeError("stopped while inferring")

    monkeypatch.setattr(load_module, "entail_replaced", fail)
    assert main([*options, str(second)]) == EXIT_UNUSABLE  # stopped while inferring
    assert (counts(dataset), triples(dataset, LINKSET), triples(dataset, DEFAULT)) == before
    assert graphs_with_prefix(dataset, "urn:x-ccai:loading:") == []


def test_a_literal_that_changes_only_its_datatype_is_replaced(
    dataset: Virtuoso, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The comparison on the server tells terms apart, not values: a graph loaded again
    whose literal changed datatype but not value (``1`` to ``1.0``) holds the new one
    (which Virtuoso writes ``"1"^^xsd:decimal``: it keeps numbers in canonical form).
    Virtuoso joins the two literals, so delete and rederive cannot tell one from the
    other: the whole store is inferred, and the default graph follows too."""
    first, second = tmp_path / "a.nt", tmp_path / "b.nt"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    first.write_text(f'<{EX}a> <{EX}size> "1"^^<{xsd}integer> .\n<{EX}a> <{EX}p> "x" .\n')
    second.write_text(f'<{EX}a> <{EX}size> "1.0"^^<{xsd}decimal> .\n<{EX}a> <{EX}p> "x" .\n')
    options = ["load", "-q", "--no-validate", "--graph", LINKSET, *remote_options(dataset)]
    assert main([*options, str(first)]) == 0
    capsys.readouterr()
    assert main([*options, str(second)]) == 0
    assert "entailments of every asserted graph" in capsys.readouterr().out
    sizes = {o for s, p, o in triples(dataset, LINKSET) if p == f"<{EX}size>"}
    assert [o.split("^^")[1] for o in sizes] == [f"<{xsd}decimal>"]
    assert ask(dataset, f"ASK {{ GRAPH <{DEFAULT}> {{ <{EX}a> <{EX}size> ?o "
               f"FILTER(DATATYPE(?o) = <{xsd}decimal>) }} }}")  # fmt: skip
    assert not ask(dataset, f"ASK {{ GRAPH <{DEFAULT}> {{ <{EX}a> <{EX}size> ?o "
                   f"FILTER(DATATYPE(?o) = <{xsd}integer>) }} }}")  # fmt: skip
