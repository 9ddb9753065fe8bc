"""Write ``pos.tsv``, the project's small part-of-speech tagging set.

Run ``python -m microgradrnn.data.make_pos`` to regenerate it; the output is
byte-for-byte the same every time (fixed seed, sorted inputs), and the shipped
file is the one this script writes.

Design. Nine words ("report", "work", "play", "record", "run", "watch",
"book", "call", "test") are nouns in some sentences and verbs in others.
About half of their uses open the sentence, where the left context is only the
sentence start and the tag is decided by the NEXT word: an imperative verb is
followed by an object, an adverb or a preposition ("Book a table ."), a noun
by another noun or a verb ("Book sales rose ."). A left-to-right tagger has to
guess there; a bidirectional one can see the answer. The other uses are
decided from the left ("the report", "we will report"), and plain sentences
without these words fill the set out.

Tags follow the universal tagset of Petrov, Das & McDonald (2012), with PUNCT
for punctuation: NOUN VERB DET ADJ PRON ADP ADV CONJ PRT NUM PUNCT. Modal and
auxiliary verbs are VERB; a noun that modifies a noun ("report cards") is NOUN.
"""

from __future__ import annotations

import random
from pathlib import Path

Sentence = tuple[list[str], list[str]]

TAGS = ("NOUN", "VERB", "DET", "ADJ", "PRON", "ADP", "ADV", "CONJ", "PRT", "NUM", "PUNCT")

# Every word has exactly one tag here, so a sentence is tagged by lookup; the
# ambiguous words are absent on purpose and carry their tag in the templates.
LEXICON: dict[str, str] = {}
for _tag, _words in {
    "DET": "the a an this that these those my your our their her his every some",
    "PRON": "i you we they she he it me us them",
    "ADP": "at in on for with to_adp from after before about under near during",
    "CONJ": "and but or",
    "PRT": "to",
    "NUM": "two three nine ten",
    "PUNCT": ". ! ?",
    "ADV": (
        "hard quietly carefully slowly quickly fast again today tomorrow now "
        "early late_adv outside home often never always later well there "
        "away ahead together soon"
    ),
    "ADJ": (
        "long short late new old good bad clear rare expensive cheap easy "
        "difficult fun important small big busy slow quiet loud final first "
        "full empty red warm cold happy tired kind"
    ),
    "VERB": (
        "is was are were will can must should want wanted need needed like "
        "liked read wrote found lost bought sold fixed saw heard started "
        "finished opened closed rose fell arrive arrived meet met break broke "
        "sleep sleeps slept eat ate sing sang walk walked help helped cook "
        "cooked open close clean cleaned send sent take took bring brought "
        "check checked follow leave left stay stayed write keep kept ends "
        "begins takes starts changed improved matter matters wait waited"
    ),
    "NOUN": (
        "problem accident results error bug damage manager police card cards "
        "teacher writing team partner boss office hours day week children "
        "kids sister game song music ball park voice meeting lecture talk "
"sales players player store shop tests code race track times time road "
        "step traffic batteries straps strap tickets table room flight club "
        "clubs shelf covers center centers mother doctor name scores "
        "score questions question student students cat dog mat garden window "
        "door letter letters bread soup coffee tea train bus city river rain "
        "morning evening night weekend school class friend friends house car "
        "bike hill summer winter lunch dinner homework project data results_n "
        "plan noise list weather sun"
    ),
}.items():
    for _w in _words.split():
        LEXICON[_w] = _tag


AMBIGUOUS = ("report", "work", "play", "record", "run", "watch", "book", "call", "test")

# Per ambiguous word: what may follow it as an imperative verb, what may
# follow it as a sentence-initial noun (a noun head or a verb phrase), the
# objects it takes as a verb, and what may be said of it as a noun.
WORDS: dict[str, dict[str, list[str]]] = {
    "report": {
        "imperative": ["the problem", "the accident", "the damage", "the error",
                       "it now", "them to_adp the police", "to_adp the manager"],
        "noun_start": ["cards arrive next week", "writing takes time", "cards are late",
                       "writing is hard", "cards matter"],
        "object": ["the problem", "the accident", "the results", "the damage"],
        "noun_pred": ["is long", "was late", "is clear", "was good", "is finished"],
    },
    "work": {
        "imperative": ["hard", "quietly", "with your team", "with a partner",
                       "carefully", "together", "from home_n"],
        "noun_start": ["is hard", "starts at nine", "hours are long", "ends early",
                       "is important", "was slow today"],
        "object": ["hard", "at the office", "there", "with them", "late_adv"],
        "noun_pred": ["is hard", "was good", "is done_adj", "was finished", "is important"],
    },
    "play": {
        "imperative": ["the song again", "with your sister", "the game", "outside",
                       "a song", "fair_adv", "the music"],
        "noun_start": ["is important for children", "time is over", "is fun",
                       "matters for kids", "time starts after lunch"],
        "object": ["the game", "the song", "outside", "with the ball", "in the park"],
        "noun_pred": ["was long", "was good", "is fun", "was bad", "starts at nine"],
    },
    "record": {
        "imperative": ["the meeting", "your voice", "the lecture", "the talk", "it",
                       "every score"],
        "noun_start": ["sales rose", "players are back", "sales fell", "stores are rare",
                       "players are expensive"],
        "object": ["the meeting", "the lecture", "a song", "the talk"],
        "noun_pred": ["is old", "was rare", "is expensive", "was broken_adj"],
    },
    "run": {
        "imperative": ["home", "to_adp the store", "fast", "the tests", "the code again",
                       "quickly", "with us"],
        "noun_start": ["times were slow", "time is short", "times improved", "times matter",
                       "time was long"],
        "object": ["home", "fast", "in the park", "every morning", "the tests",
                   "to_adp school"],
        "noun_pred": ["was long", "was slow", "is short", "was hard", "was fun"],
    },
    "watch": {
        "imperative": ["the road", "your step", "carefully", "the traffic", "the kids",
                       "this game", "out"],
        "noun_start": ["batteries are small", "straps break", "batteries are cheap",
                       "straps are expensive", "batteries matter"],
        "object": ["the game", "the kids", "the road", "the traffic", "the news"],
        "noun_pred": ["is new", "was expensive", "is old", "was cheap", "is small"],
    },
    "book": {
        "imperative": ["a table", "the tickets", "a room", "the flight today",
                       "two tickets", "early"],
        "noun_start": ["sales rose", "clubs meet often", "covers are red", "sales fell",
                       "clubs are fun"],
        "object": ["a table", "the tickets", "a room", "the flight"],
        "noun_pred": ["is long", "was good", "is old", "was boring_adj", "is on the shelf"],
    },
    "call": {
        "imperative": ["your mother", "me later", "the doctor", "them now", "a friend",
                       "home"],
        "noun_start": ["centers are busy", "times are long", "centers closed",
                       "notes are short", "times matter"],
        "object": ["the doctor", "home", "later", "her mother", "the office"],
        "noun_pred": ["was short", "was long", "is important", "was late"],
    },
    "test": {
        "imperative": ["the code", "the car", "your bike", "it again", "the data",
                       "every card"],
        "noun_start": ["scores improved", "results are final", "scores fell",
                       "questions were easy", "scores matter"],
        "object": ["the code", "the data", "the car", "the students"],
        "noun_pred": ["was hard", "was easy", "is tomorrow", "was long", "is difficult"],
    },
}

# A suffix after "_" separates a spelling's second tag ("to_adp" is written "to").
LEXICON.update({"late_adv": "ADV", "done_adj": "ADJ", "fair_adv": "ADV", "home_n": "NOUN",
                "broken_adj": "ADJ", "boring_adj": "ADJ", "out": "ADV", "next": "ADJ",
                "news": "NOUN", "back": "ADV", "over": "ADV", "notes": "NOUN",
                "stores": "NOUN"})

SUBJECTS_PLURAL = ["i", "we", "you", "they", "the kids", "the students", "our friends"]
MODALS = ["will", "can", "must", "should"]
WANT = ["want to", "need to", "wanted to", "needed to"]
DETS_NOUN = ["the", "my", "your", "our", "their", "her", "his", "this", "that"]
ADJ_BEFORE = ["", "", "long", "new", "old", "final", "first", "short"]
NOUN_VERBS = ["read", "found", "lost", "liked", "finished", "saw", "started", "wanted"]
ADVERBS_END = ["", "", "", "today", "again", "now", "tomorrow", "later"]

FILLER_SUBJECTS = ["the cat", "the dog", "my sister", "our teacher", "the students",
                   "a friend", "the team", "her doctor", "the children", "his boss"]
FILLER_PAST = ["slept", "walked", "sang", "waited", "stayed", "ate", "cooked", "helped"]
FILLER_PLACES = ["in the garden", "near the river", "at school", "in the city",
                 "on the bus", "after dinner", "during the rain", "before lunch",
                 "with a friend", "under the window", "in the morning"]
FILLER_OBJ_VERBS = ["opened", "closed", "cleaned", "fixed", "bought", "sold", "sent",
                    "brought", "checked", "found"]
FILLER_OBJECTS = ["the door", "the window", "a letter", "the car", "the bike",
                  "some bread", "the house", "the list", "a new table", "the old shelf"]
FILLER_ADJ = ["happy", "tired", "busy", "quiet", "warm", "cold", "kind", "loud"]


def _tag(text: str, fixed: dict[int, str] | None = None) -> tuple[list[str], list[str]]:
    """Tokens and tags of ``text``; ``fixed`` gives the tags of the ambiguous tokens by index."""
    fixed = fixed or {}
    words: list[str] = []
    tags: list[str] = []
    for i, raw in enumerate(text.split()):
        if i in fixed:
            tag = fixed[i]
        elif raw in LEXICON:
            tag = LEXICON[raw]
        else:
            raise KeyError(f"word {raw!r} in {text!r} has no tag in LEXICON")
        word = raw.split("_")[0]
        words.append("I" if word == "i" else word)
        tags.append(tag)
    words[0] = words[0][0].upper() + words[0][1:]
    return words, tags


def _sentence(prefix: str, word: str, tag: str, rest: str, end: str = ".") -> Sentence:
    """Tag ``prefix word rest end`` with ``word`` forced to ``tag``."""
    n_prefix = len(prefix.split())
    return _tag(" ".join(p for p in (prefix, word, rest, end) if p), {n_prefix: tag})


def generate(seed: int = 2024) -> list[Sentence]:
    """All sentences of the set, deduplicated, in a seeded shuffled order."""
    rng = random.Random(seed)
    out: list[Sentence] = []
    for word in AMBIGUOUS:
        spec = WORDS[word]
        # Sentence-initial: only the next word tells the verb from the noun.
        for rest in spec["imperative"]:
            out.append(_sentence("", word, "VERB", rest, rng.choice([".", ".", "!"])))
        for rest in spec["noun_start"]:
            out.append(_sentence("", word, "NOUN", rest))
        # Mid-sentence: the previous word tells them apart.
        for obj in spec["object"]:
            out.append(_sentence(rng.choice(SUBJECTS_PLURAL), word, "VERB", obj))
            subj, modal = rng.choice(SUBJECTS_PLURAL), rng.choice(MODALS)
            out.append(_sentence(f"{subj} {modal}", word, "VERB", obj))
            subj, want = rng.choice(SUBJECTS_PLURAL), rng.choice(WANT)
            out.append(_sentence(f"{subj} {want}", word, "VERB", obj))
        for pred in spec["noun_pred"]:
            out.append(_sentence(rng.choice(DETS_NOUN), word, "NOUN", pred))
            det = rng.choice(["the", "her", "our", "their", "this"])
            prefix = " ".join(
                p for p in (rng.choice(SUBJECTS_PLURAL), rng.choice(NOUN_VERBS), det,
                            rng.choice(ADJ_BEFORE)) if p
            )
            out.append(_sentence(prefix, word, "NOUN", rng.choice(ADVERBS_END)))
    for _ in range(140):
        kind = rng.randrange(3)
        subj = rng.choice(FILLER_SUBJECTS[2:] if kind == 1 else FILLER_SUBJECTS)
        if kind == 0:
            text = f"{subj} {rng.choice(FILLER_PAST)} {rng.choice(FILLER_PLACES)} ."
        elif kind == 1:
            text = (f"{subj} {rng.choice(FILLER_OBJ_VERBS)} {rng.choice(FILLER_OBJECTS)} "
                    f"{rng.choice(['and', 'but'])} {rng.choice(['we', 'they', 'she', 'he'])} "
                    f"{rng.choice(FILLER_PAST)} {rng.choice(FILLER_PLACES)} .")
        else:
            text = (f"{subj} {rng.choice(['was', 'is'])} {rng.choice(FILLER_ADJ)} "
                    f"{rng.choice(ADVERBS_END[3:] + FILLER_PLACES)} .")
        out.append(_tag(text))
    seen: set[tuple[str, ...]] = set()
    unique = []
    for words, tags in out:
        if tuple(words) not in seen:
            seen.add(tuple(words))
            unique.append((words, tags))
    rng.shuffle(unique)
    return unique


def write(path: Path) -> int:
    """Write the set to ``path`` as ``words<TAB>tags`` lines; returns the sentence count."""
    sentences = generate()
    lines = ["# words\ttags (space separated, same length); written by make_pos.py"]
    lines += [" ".join(w) + "\t" + " ".join(t) for w, t in sentences]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(sentences)


if __name__ == "__main__":
    target = Path(__file__).with_name("pos.tsv")
    print(f"wrote {write(target)} sentences to {target}")
