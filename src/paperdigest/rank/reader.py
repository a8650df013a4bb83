"""A profile made ready to rank with: seed ids resolved to their texts from the store, seed-file
entries completed from it, and the stored feedback (liked papers join the seeds, disliked ones
push similar papers down)."""

from __future__ import annotations

from ..store import Store
from ..store.feedback import feedback, find_paper
from .profile import Profile, SeedPaper
from .score import Reader


def _from_store(store: Store | None, paper_id: str, origin: str) -> SeedPaper | None:
    if store is None:
        return None
    paper = find_paper(store, paper_id)
    if paper is None:
        return None
    return SeedPaper(id=paper_id, title=paper.title, abstract=paper.abstract, origin=origin)


def build_reader(profile: Profile, store: Store | None = None) -> Reader:
    seeds: list[SeedPaper] = []
    notes: list[str] = []
    for paper_id in profile.seeds:
        found = _from_store(store, paper_id, "profile")
        if found is None:
            notes.append(
                f"seed {paper_id} is not in the database, so it cannot be compared: digest or "
                "rank a day that lists it, or put it in a seed file with its title and abstract"
            )
        else:
            seeds.append(found)
    for seed in profile.seed_papers:
        if not seed.abstract and seed.id is not None:
            seed = _from_store(store, seed.id, seed.origin) or seed
        if seed.text:
            seeds.append(seed)
    disliked: list[SeedPaper] = []
    if store is not None:
        for item in feedback(store):
            found = _from_store(store, item.paper_id, "like" if item.verdict == "like" else
                                "dislike")
            if found is None:
                continue
            (seeds if item.verdict == "like" else disliked).append(found)
    return Reader(profile, tuple(seeds), tuple(disliked), tuple(notes))


__all__ = ["build_reader"]
