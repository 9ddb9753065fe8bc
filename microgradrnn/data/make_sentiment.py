"""Write ``sentiment.tsv``, the project's small sentiment set.

Run ``python -m microgradrnn.data.make_sentiment`` to regenerate it; the output
is byte-for-byte the same every time, and the shipped file is the one this
script writes.

Each line is ``pos`` or ``neg``, a tab, and one short review in lower case with
its tokens separated by single spaces (so ``str.split`` tokenises it). About a
third of the sentences are written out by hand; the rest come from templates
that combine a subject, a verb and an adjective. Word order matters on purpose:
"not good" is negative while "good" is positive, "not bad" is positive while
"bad" is negative, and in "X but Y" the clause after "but" decides, so a
bag-of-words model cannot get every sentence right while a recurrent one can.
"""

from __future__ import annotations

import random
from pathlib import Path

SUBJECTS = ["the movie", "the food", "the service", "the hotel", "this book", "the phone",
            "the concert", "the staff", "the room", "this game", "the coffee", "the show",
            "the app", "the trip", "the class", "the camera", "the pizza", "the music",
            "the ending", "the story"]
COPULAS = ["is", "was", "felt", "seemed"]
INTENSIFIERS = ["", "", "very", "really", "quite", "so", "truly", "pretty"]
POSITIVE = ["good", "great", "wonderful", "excellent", "fantastic", "lovely", "amazing",
            "enjoyable", "brilliant", "delightful", "pleasant", "perfect", "superb", "nice"]
NEGATIVE = ["bad", "terrible", "awful", "boring", "poor", "dull", "horrible",
            "disappointing", "weak", "mediocre", "annoying", "bland"]
# Only these negatives turn positive under "not" ("not bad" is praise; "not
# horrible" is too faint to call).
NEGATABLE = ["bad", "boring", "terrible", "awful", "dull", "annoying"]
LIKE_POS = ["loved", "enjoyed", "liked", "adored"]
LIKE_NEG = ["hated", "disliked", "was bored by", "could not stand"]
DID_NOT = ["did not like", "did not enjoy", "did not love", "never liked"]

HANDWRITTEN = """\
pos	i would happily watch it again .
pos	best meal i have had in years .
pos	the staff went out of their way to help us .
pos	it exceeded all my expectations .
pos	i laughed from start to finish .
pos	a warm and funny story with a great cast .
pos	worth every penny .
pos	everything worked the first time .
pos	i expected to hate it but i loved it .
pos	it started slow but the ending was brilliant .
pos	i can not wait to go back .
pos	the battery lasts for days .
pos	simple , fast and reliable .
pos	my kids could not stop smiling .
pos	the view from our room was stunning .
pos	i would recommend it to anyone .
pos	a small place with a big heart .
pos	it made my whole week better .
pos	the teacher explained everything clearly .
pos	i have no complaints at all .
pos	nothing went wrong , which was a nice surprise .
pos	the delivery was quick and the box was intact .
pos	it was cheap but it works perfectly .
pos	i did not expect much , but it was excellent .
pos	never had a better cup of coffee .
pos	not a single dull moment .
pos	the songs stay in your head for days .
pos	a beautiful film that stays with you .
pos	the price was high but the quality was worth it .
pos	they fixed my problem in five minutes .
pos	i keep coming back to this place .
pos	five stars , no doubt .
pos	the plot kept me guessing until the end .
pos	friendly people and fresh bread every morning .
pos	we had the time of our lives .
pos	it is not perfect but i love it .
pos	the update made everything faster .
pos	clean rooms , kind staff , great breakfast .
pos	the soup was hot and full of flavour .
pos	i was worried at first but it turned out great .
neg	i want my money back .
neg	the worst service i have ever had .
neg	it broke after two days .
neg	i fell asleep halfway through .
neg	we waited an hour for cold food .
neg	never again .
neg	a complete waste of time .
neg	the screen cracked on the first day .
neg	nobody answered the phone .
neg	it looked great but it stopped working in a week .
neg	the trailer was fun but the film was a mess .
neg	i would not recommend it to anyone .
neg	the room smelled of smoke .
neg	too long and too loud .
neg	the jokes fell flat .
neg	i expected more from such a famous place .
neg	the app crashes every time i open it .
neg	they lost our booking and did not apologise .
neg	the coffee was cold and the cake was stale .
neg	it is cheap but it is not worth it .
neg	the story goes nowhere .
neg	i regret every minute i spent on it .
neg	the seats were hard and the sound was bad .
neg	not worth the money .
neg	the ending ruined the whole book .
neg	we left before the second half .
neg	the manual makes no sense .
neg	the food was good but the waiter was rude .
neg	it started well but then it fell apart .
neg	i gave it a chance , but it was boring .
neg	the charger stopped working after a month .
neg	the bus was late and nobody told us why .
neg	two stars , and that is generous .
neg	i could not finish it .
neg	the music was nice but the singing was awful .
neg	the bed was so hard that i could not sleep .
neg	the pictures look nothing like the real room .
neg	everything tasted the same .
neg	it is not good and it is not cheap .
neg	i was hoping for much more .
"""


def _phrase(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def generate(seed: int = 7, n_templated: int = 320) -> list[tuple[str, str]]:
    """(label, text) pairs: the hand-written ones plus ``n_templated`` seeded template sentences."""
    rng = random.Random(seed)
    rows = [tuple(line.split("\t")) for line in HANDWRITTEN.splitlines()]
    seen = {text for _, text in rows}

    def plain() -> tuple[str, str]:
        label = rng.choice(["pos", "neg"])
        adj = rng.choice(POSITIVE if label == "pos" else NEGATIVE)
        return label, _phrase(rng.choice(SUBJECTS), rng.choice(COPULAS),
                              rng.choice(INTENSIFIERS), adj, ".")

    def negated() -> tuple[str, str]:
        label = rng.choice(["pos", "neg"])
        adj = rng.choice(NEGATABLE if label == "pos" else POSITIVE)
        # "not very good" is a complaint, "not very bad" is not a compliment.
        softener = rng.choice(["", "", "that"] + (["very", "really"] if label == "neg" else []))
        return label, _phrase(rng.choice(SUBJECTS), rng.choice(["is", "was"]), "not",
                              softener, adj, ".")

    def contrast() -> tuple[str, str]:
        label = rng.choice(["pos", "neg"])
        first = rng.choice(NEGATIVE if label == "pos" else POSITIVE)
        second = rng.choice(POSITIVE if label == "pos" else NEGATIVE)
        s1, s2 = rng.sample(SUBJECTS, 2)
        return label, _phrase(s1, rng.choice(["is", "was"]), first, "but", s2,
                              rng.choice(["is", "was"]), second, ".")

    def liking() -> tuple[str, str]:
        label = rng.choice(["pos", "neg"])
        if label == "pos":
            verb = rng.choice(LIKE_POS)
        else:
            verb = rng.choice(LIKE_NEG + DID_NOT)
        return label, _phrase("i", verb, rng.choice(SUBJECTS), ".")

    makers = [plain, plain, negated, negated, contrast, liking]
    added = 0
    while added < n_templated:
        label, text = rng.choice(makers)()
        if text not in seen:
            seen.add(text)
            rows.append((label, text))
            added += 1
    rng.shuffle(rows)
    return rows


def write(path: Path) -> int:
    """Write the set to ``path`` as ``label<TAB>text`` lines; returns the sentence count."""
    rows = generate()
    lines = ["# label\ttext (pos or neg; lower case, tokens separated by spaces)"]
    lines += [f"{label}\t{text}" for label, text in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(rows)


if __name__ == "__main__":
    target = Path(__file__).with_name("sentiment.tsv")
    print(f"wrote {write(target)} sentences to {target}")
