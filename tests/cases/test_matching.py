"""The ranking of suggestions from need (spor.cases.matching: pure, no database)."""

from __future__ import annotations

from spor.cases import matching
from spor.cases.matching import Candidate, PastPair, local_outcomes, profile, rank, sdq_needs

BEHAVIOUR = Candidate(1, "Forældrevejledning ved udadreagerende adfærd", ["conduct", "family"])
TALKS = Candidate(2, "Kortvarigt samtaleforløb med barnet", ["emotional"], level="foregribende")
PLAY = Candidate(3, "Legegrupper", ["peer"])
ANXIETY = Candidate(4, "Angstbehandling i grupper", ["emotional"], level="indgribende")
LANGUAGE = Candidate(5, "Sprogstimulering", ["language"])
UNDECLARED = Candidate(6, "Konsultativ sparring", [])
CATALOGUE = [BEHAVIOUR, TALKS, PLAY, ANXIETY, LANGUAGE, UNDECLARED]


def names(ranked: list[matching.Ranked]) -> list[str]:
    return [r.candidate.name for r in ranked]


def lonely_sad() -> matching.NeedProfile:
    """The issue's child: sad and alone; SDQ emotional and peer problems, conduct normal."""
    return profile(
        concern_categories=["trivsel"],
        screening_position="gul",
        screening_focus=["ked_af_det", "alene"],
        sdq_bands={"emotional": "abnormal", "peer": "abnormal", "conduct": "normal"},
    )


def test_a_lonely_sad_child_does_not_get_a_behaviour_programme_first() -> None:
    ranked = rank(CATALOGUE, lonely_sad())
    order = names(ranked)
    assert order[0] != BEHAVIOUR.name
    # Every item about feelings or friendships comes before the behaviour programme.
    for c in (TALKS, PLAY, ANXIETY):
        assert order.index(c.name) < order.index(BEHAVIOUR.name)
    # Emotional weighs most (concern + screening + SDQ); the yellow position points at the
    # anticipatory level, which the talks have.
    assert order[0] == TALKS.name
    assert ranked[0].met == ("emotional",)
    assert "følelser" in ranked[0].reason_da().lower()
    assert ranked[order.index(BEHAVIOUR.name)].met == ()
    assert "rammer ikke" in ranked[order.index(BEHAVIOUR.name)].reason_da().lower()


def test_a_child_with_conduct_problems_gets_the_behaviour_programme_first() -> None:
    need = profile(concern_categories=["adfaerd"], sdq_bands={"conduct": "abnormal"})
    assert names(rank(CATALOGUE, need))[0] == BEHAVIOUR.name


def test_the_sdq_profile_alone_decides_when_nothing_else_is_known() -> None:
    need = profile(sdq_bands={"peer": "borderline", "emotional": "normal"})
    assert [n for n, _ in need.ranked_needs()] == ["peer"]
    assert names(rank(CATALOGUE, need))[0] == PLAY.name


def test_the_screening_focus_points_alone() -> None:
    need = profile(screening_focus=["sprog"])
    assert names(rank(CATALOGUE, need))[0] == LANGUAGE.name


def test_the_position_puts_the_item_of_its_level_first_among_equal_needs() -> None:
    need = profile(sdq_bands={"emotional": "abnormal"}, screening_position="roed")
    assert names(rank(CATALOGUE, need))[:2] == [ANXIETY.name, TALKS.name]
    yellow = profile(sdq_bands={"emotional": "abnormal"}, screening_position="gul")
    assert names(rank(CATALOGUE, yellow))[:2] == [TALKS.name, ANXIETY.name]


def test_without_a_profile_the_order_is_level_then_ppr_then_name() -> None:
    need = profile()
    assert not need.known
    far = Candidate(7, "A ved siden af", ["emotional"], level_distance=1)
    other = Candidate(8, "B andre", [], is_ppr=False)
    assert names(rank([far, other, UNDECLARED], need)) == [
        UNDECLARED.name,
        other.name,
        far.name,
    ]


def test_an_item_already_given_comes_last_however_well_it_fits() -> None:
    given = Candidate(2, TALKS.name, ["emotional"], already_given=True)
    assert names(rank([given, BEHAVIOUR, PLAY], lonely_sad()))[-1] == TALKS.name


def test_unknown_keys_are_ignored() -> None:
    need = profile(
        concern_categories=["andet", "nonsense"],
        screening_position="lilla",
        screening_focus=["ukendt"],
        sdq_bands={"emotional": "nonsense", "made_up": "abnormal"},
    )
    assert not need.known and need.position == ""


def test_sdq_needs_read_every_shipped_norm_sets_bands() -> None:
    assert sdq_needs({"emotional": "very_high", "hyperactivity": "slightly_raised"}) == {
        "emotional": 3,
        "attention": 1,
    }
    assert sdq_needs({"prosocial": "abnormal"}) == {"peer": 3}  # few prosocial strengths
    assert sdq_needs({"emotional": "close_to_average", "conduct": None}) == {}


def test_local_outcomes_count_similar_children_and_hide_small_cells() -> None:
    emo, peer, conduct = frozenset({"emotional"}), frozenset({"peer"}), frozenset({"conduct"})
    pairs = (
        # Talks: 8 similar children, 5 improved.
        [PastPair(TALKS.id, emo, i < 5) for i in range(8)]
        # Play groups: 3 similar children only: hidden.
        + [PastPair(PLAY.id, peer, True) for _ in range(3)]
        # The behaviour programme: 9 children, none of them similar (conduct only): absent.
        + [PastPair(BEHAVIOUR.id, conduct, True) for _ in range(9)]
    )
    out = local_outcomes(pairs, lonely_sad())
    assert set(out) == {TALKS.id, PLAY.id}
    assert out[PLAY.id].n is None or out[PLAY.id].improved is None
    assert not out[PLAY.id].shown
    # The play groups' hidden cells are protected together with the talks' row (3 did not
    # improve: a small cell too), so nothing about three children can be worked out from
    # what is shown: the disclosure engine hides the talks' figures as well.
    assert not out[TALKS.id].shown and out[TALKS.id].percent is None


def test_local_outcomes_show_a_row_of_at_least_five_on_each_side() -> None:
    emo = frozenset({"emotional"})
    pairs = [PastPair(TALKS.id, emo, i < 6) for i in range(11)]
    out = local_outcomes(pairs, lonely_sad())
    assert (out[TALKS.id].n, out[TALKS.id].improved, out[TALKS.id].percent) == (11, 6, 55)


def test_local_outcomes_need_a_known_profile() -> None:
    pairs = [PastPair(TALKS.id, frozenset({"emotional"}), True) for _ in range(9)]
    assert local_outcomes(pairs, profile()) == {}
