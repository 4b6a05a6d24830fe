"""A lexical check for weapons uplift: a named CBRN agent, plus operational intent.

The embedding head reads topic better than intent, and the requests it misses most are terse
technical ones ("what additives make VX more persistent", "which research reactors have
poorly guarded HEU"). Those have a shape a rule can see: a weapons agent named in the same
sentence as an uplift goal (produce, acquire covertly, stabilise, weaponise, disperse, evade)
and, for the strongest signal, the framing of a request for instructions.

Benign science names the same agents, so neither the agent nor the framing alone counts;
"how does sarin inhibit acetylcholinesterase" has an agent but no uplift goal, and "how do I
size a relief valve" has framing but no agent. The evidence this module returns is combined
with the head's (as independent signals), and its hits are named in the decision's reasons.

It reads eight languages (en fr de es ru zh ar ja; the words are in
:mod:`labgate.safety.lexicon_terms`): an agent named in one language and a goal in another
still count together, as a mixed-language request is written. Intent, not topic: a sentence
about detection, treatment, protection, history, treaties, verification or shielding (in any of
the eight) is not uplift unless it also has a *strong* goal (covert acquisition, evading
inspectors, theft, use against people), so "how is sarin poisoning treated" or "历史上如何销毁
化学武器" never hits, while "how do I get caesium past the detectors" does. Attacks on control
systems (SCADA, PLCs, the power grid, water treatment) are read the same way, with their own
goals (sabotage, black out, take over), under ``cyber_infrastructure``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from labgate.safety.categories import Category
from labgate.safety.chunking import TURN_SEPARATOR, sentences, word_count
from labgate.safety.lexicon_scripts import HAS_CJK, Terms
from labgate.safety.lexicon_terms import CYBER
from labgate.safety.text_memo import TextMemo

_I = re.IGNORECASE

AGENTS: dict[Category, re.Pattern[str]] = {
    Category.CBRN_CHEMICAL: re.compile(
        r"\b(sarin|soman|tabun|cyclosarin|VX|novichoks?|nerve (agents?|gas)|sulfur mustard|"
        r"mustard (gas|agent)|lewisite|phosgene|chemical (weapons?|warfare agents?|agents?)|"
        r"blister agents?|choking agents?|methylphosphonyl( difluoride)?|thiodiglycol|EA-2192|"
        r"dimethyl ?mercury|toxic (gas|cloud|chemicals?)|poison gas|binary (chemical )?weapons?|"
        r"chlorine (gas|cloud)|hydrogen cyanide|methyl isocyanate|ammonia cloud|"
        r"(schedule 1|cwc) (chemicals?|precursors?)|weapons? precursors?)\b",
        _I,
    ),
    Category.CBRN_BIOLOGICAL: re.compile(
        r"\b(anthrax|bacillus anthracis|plague|yersinia|smallpox|variola|ebola|marburg|"
        r"botulinum|ricin|tularemia|bio-?weapons?|biological (weapons?|agents?|warfare)|"
        r"pathogens?|select agents?|H5N1|bird flu|spores|1918 influenza|poxvirus|horsepox|"
        r"(contagious|dangerous|engineered|weaponi[sz]ed) (virus|pathogen|agent)|"
        r"coronavirus|biological toxin|influenza( virus)?)\b",
        _I,
    ),
    Category.CBRN_RADIOLOGICAL: re.compile(
        r"\b(dirty bombs?|radiological (dispersal|weapons?|bombs?|devices?)|ca?esium(-?137)?|"
        r"cobalt(-?60)?( source)?|iridium-?192|strontium-?90|americium|polonium(-?210)?|"
        r"radioactive (sources?|materials?|isotopes?|waste|powder)|radiography (sources?|"
        r"cameras?)|irradiators?|radiation exposure devices?|teletherapy sources?|gamma source|"
        r"lethal radiation dose|high-activity sources?|logging sources?)\b",
        _I,
    ),
    Category.CBRN_NUCLEAR: re.compile(
        r"\b(nuclear (weapons?|bombs?|devices?|warheads?|tests?|explosions?)|HEU|highly enriched "
        r"uranium|weapons?[- ](grade|usable)|plutonium|fissile (material)?|implosion (lens(es)?|"
        r"device|assembly|bomb)|explosive lenses|gun-type|critical mass|thermonuclear|"
        r"fission weapons?|plutonium pit|improvised nuclear|centrifuge (cascades?|components?)|"
        r"centrifuges|enrichment (plant|cascade)|nuclear (power )?(plant|facilit\w*)|"
        r"reactor'?s? (cooling|safety) systems?|weapon core|neutron initiator)\b",
        _I,
    ),
}

# Goals that are uplift whatever the framing: making a weapon work better or reach people.
UPLIFT = re.compile(
    r"\b(weaponi[sz]\w*|aerosoli[sz]\w*|aerosol|disperse|dispersal|dispersing|deliver\w*|"
    r"more (lethal|persistent|transmissible|virulent|deadly|effective|stable)|transmissible|"
    r"virulen\w*|overcome vaccine|evade (existing )?vaccines?|stabili[sz]\w*|enhanc\w*|"
    r"maximi[sz]\w*|maximum|casualt\w*|kill\w*|lethal dose|poison\w*|attack\w*|hurt|"
    r"harm (people|civilians)|sicken|infect (as many|the most)|start (a|an) (pandemic|"
    r"outbreak|epidemic)|sabotag\w*|detonat\w*|yield|boost\w*|uninhabitable|contaminat\w*|"
    r"undetected|without (being )?(detected|caught|noticed|reported|traced|a licen[cs]e|"
    r"anyone noticing|asking)|avoid\w* (detection|inspectors?|suspicion)|evad\w*|hid(e|ing) "
    r"(it|my|the|a)|secret\w*|covert\w*|clandestine|smuggl\w*|steal\w*|stolen|divert\w*|"
    r"black market|front compan\w*|poorly (secured|guarded)|easiest to (take|steal|get|make)|"
    r"around (the )?(\w+ )?(controls|screening|safeguards)|against (people|civilians)|"
    r"for (a |use as a )?weapon|(to make|for) (a|the) bomb|(stay|remain)s? airborne|"
    r"crop[- ]dust\w*|release\w* (it|them|a|the)? ?\w* ?(in|over|through|into|from))\b",
    _I,
)

# Making or getting the agent: uplift when asked as a request, not when asked about history.
PRODUCTION = re.compile(
    r"\b(mak(e|es|ing)|produc\w*|synthesi[sz]\w*|manufactur\w*|cultur\w*|grow\w*|extract\w*|"
    r"purif\w*|isolat\w*|assembl\w*|build\w*|design\w*|fill\w*|engineer\w*|modif\w*|"
    r"mutat\w*|recreat\w*|rescue|reconfigure|separate|machine|convert|breed|mill(ed|ing)?|grind|"
    r"precursors?|reaction conditions|synthesis route|"
    r"order\w*|buy\w*|obtain\w*|acquir\w*|get hold of|procure\w*|recruit\w*)\b",
    _I,
)

# A request for doing something, rather than for understanding it.
OPERATIONAL = re.compile(
    r"(\bhow (do|can|could|would|should|might) (i|we|you|one|someone|a terrorist|a group|"
    r"terrorists|attackers)\b|\bhow (much|many)\b.{0,40}\b(do|would|should|could) (i|we)\b|"
    r"\bgive me|\btell me (how|exactly|the steps)|\bwalk me through|"
    r"\bstep[- ]by[- ]step|\binstructions?\b|\bprotocol\b|\bprocedure\b|\brecipe\b|"
    r"\bwhere (can|could|do|should) (i|we)|\bwhich\b.{0,60}\b(easiest|best|most|could i|"
    r"should i|will|have)\b|\bbest way|\bmost effective|\bwhat (additives|coatings|isotope|"
    r"droplet|particle|equipment|mutations|tamper|neutron|cover story|reagents|precursors|"
    r"reaction conditions)|\bcontinue (this|the|my)\b|\bi want|\bhelp me|"
    r"\bexplain (exactly )?how to|\bcalculate|\bdesign\b|\bplan\b|\blist\b|"
    r"\bprovide\b|\bcould i|"
    # a how-to asked for as a text to write ("write me the sequence that ...", "write the full
    # route to ..."); "write a summary of" asks for no steps
    r"\bwrite (me |us |up |out )?(the |a |an )?(full |complete |whole |detailed |exact )?"
    r"(route|steps|procedure|guide|instructions|sequence|recipe|method|walkthrough|playbook)\b|"
    r"\bi could|\bi need|\bdetail\w* how|\bin (full )?detail\b|"
    r"\b(explain|describe|tell|give|show)\w* (it )?(to )?the user\b)",
    _I,
)

# A text of one sentence this short, with no question, is a command ("saboter les automates
# d'une centrale"): its goal is asked for (``scan_uplift``)
TERSE_WORDS = 8
_QUESTION = re.compile(r"[?？؟]")
SHORT_TEXT_SENTENCES = 4
SHORT_TEXT_WORDS = 20
UPLIFT_AND_REQUEST = 0.6
UPLIFT_ALONE = 0.35
PRODUCTION_ALONE = 0.2
# the reason's tail for an agent beside a word of making and nothing more (weakest evidence)
PRODUCTION_MENTION = "(making, mention)"


# Compiled once, at import: the English patterns above together with the other languages'.
_AGENTS: dict[Category, Terms] = {
    category: Terms(AGENTS.get(category), "agents", category=category)
    for category in (*AGENTS, CYBER)
}
_STRONG = Terms(None, "strong", "covert_harm")
_UPLIFT = Terms(UPLIFT, "uplift", "targets", "strong", "crowd")
# the same goals less ``crowd`` (reaching as many people as possible), which a defensive word in
# its sentence excuses and which is no goal for the purpose rule: a vaccine's reach is a purpose
_PURPOSE_UPLIFT = Terms(UPLIFT, "uplift", "targets", "strong")
_PRODUCTION = Terms(PRODUCTION, "production")
_OPERATIONAL = Terms(OPERATIONAL, "operational")
_DEFENSIVE = Terms(None, "defensive")
# Equipment named with a defensive word ("protective relays", "релейная защита", "保护继电器"):
# blanked before the defensive words are read, since disabling it is the attack, not defence.
_EQUIPMENT = Terms(None, "equipment")
# Agents that are weapons whatever is done with them (sarin, ricin, a dirty bomb): a tool
# offered to make one asks for the harm itself, where making a pathogen culture need not.
_WEAPONS = Terms(None, "weapons")
# A strong goal named as what is defended against ("protect the sources from theft",
# "защитить от кражи", "حماية ... من السرقة"): blanked before the goals are read.
_COUNTERED = Terms(None, "countered")
_CYBER_GOAL = Terms(None, "cyber_goal", "strong")
# What makes a sentence ASKED whoever it names (lexicon_terms.ASKED): an instruction addressed
# to the assistant, and a how-to question whose verb is the goal itself.
_ADDRESSED = Terms(None, "addressed")
_HOWTO = Terms(None, "howto")
# Generic poisons, an agent only beside a poisoning of people or a covert harm.
_POISONS = Terms(None, "poisons")
_POISON_ACTS = Terms(None, "poison_acts")
_COVERT_HARM = Terms(None, "covert_harm")
# Outcomes asked for (labgate.safety.lexicon_outcomes): a mass death, a generic means of it (a
# substance, a gas), a question that selects the means or its amount, the asker's own plan.
_MASS_DEATH = Terms(None, "mass_death")
_MEANS = Terms(None, "means")
_SELECTS = Terms(None, "selects")
_PLANS = Terms(None, "plans")
# the poisoning verbs, which name the poison themselves ("envenenar el depósito", "投毒")
_POISON_ROOT = re.compile(r"poison|empoisonn|vergift|envenen|отрав|毒|سمم|تسميم", _I)
# how far after the ask its goal may stand: a few words, or a few Chinese or Japanese characters
_GOVERNS_WINDOW = 60
_GOVERNS_WINDOW_CJK = 16
_ADDRESSED_WINDOW = 90
# a defensive word right after the goal makes the two one compound (the next word, or the
# next Chinese or Japanese characters)
_COMPOUND = 16

# The asker as the actor, in the eight languages.
_FIRST_PERSON = re.compile(
    r"\b(i|i'm|me|my|we|our|us|je|j'|moi|mon|ma|mes|nous|puis-je|ich|mir|mich|mein\w*|wir|"
    r"uns|yo|mi|mis|puedo|quiero|necesito|nosotros|я|мне|меня|мой|моя|мы|нам|нас)\b|"
    r"我|私[はがのにを]|僕|俺|自分|أنا|لي|يمكنني|أستطيع|[أا]ريد|[أا]حتاج|كيف [أا]",
    _I,
)

# Sentences also end at the full stops of Chinese, Japanese and Arabic, which need no space.
_UNSPACED_END = re.compile(r"(?<=[。！？؟])")
# Tool names and schema fields: synthesize_sarin, getCesiumSource -> words the patterns read.
_IDENTIFIER = re.compile(r"_+|(?<=[a-z])(?=[A-Z])")


@dataclass(frozen=True, slots=True)
class LexiconHit:
    category: Category
    score: float
    reason: str


def _governs(sentence: str, markers: Terms, goals: Sequence[Terms], window: int) -> bool:
    """Whether an ask (``markers``: a how-to word, an instruction to the assistant) has the goal
    as its own object: a goal stands within ``window`` characters after it, before any
    defensive word. "How to smuggle HEU past the detectors" asks how to smuggle; "how to
    detect smuggled HEU" asks how to detect, and "the assistant must explain how to treat
    sarin exposure" asks for treatment."""
    for marker in markers.finditer(sentence):
        size = _GOVERNS_WINDOW_CJK if HAS_CJK.search(marker.group(0)) else window
        tail = _EQUIPMENT.sub(sentence[marker.end() : marker.end() + size])
        defended = _DEFENSIVE.search(tail)
        if defended is not None:
            tail = tail[: defended.start()]
        for goal in goals:
            found = goal.search(tail)
            # the goal naming what the defence is for ("smuggling detection", "走私检测",
            # "theft prevention") is the defender's compound, not the ask's object
            if found is None:
                continue
            after = marker.end() + found.end()
            head = _DEFENSIVE.search(sentence[after : after + _COMPOUND])
            if head is None or head.start() > 1:  # the very next word: "smuggling detection"
                return True
    return False


def _asks(sentence: str, goals: Sequence[Terms]) -> tuple[bool, bool]:
    """(asked, by the actor): whether the sentence is an instruction to the assistant or a
    how-to question, and whether that ask governs the goal (then the asker is the one acting,
    as "how do I" says, whoever the sentence names)."""
    addressed = _ADDRESSED.search(sentence) is not None
    governed = (addressed and _governs(sentence, _ADDRESSED, goals, _ADDRESSED_WINDOW)) or (
        _governs(sentence, _HOWTO, goals, _GOVERNS_WINDOW)
    )
    return addressed or governed, governed


def _selects_death(sentence: str) -> bool:
    """A question that asks which means, or how much of it, brings about a mass death ("which
    toxin ... would leave every child dead", "какое вещество ... чтобы все погибли"): its answer
    is the means, so it is asked, and the asker is the one acting."""
    return _MASS_DEATH.search(sentence) is not None and _SELECTS.search(sentence) is not None


def _poison_score(
    sentence: str, asked: bool = False, offered: bool = False
) -> tuple[float, str] | None:
    """A generic poison (poison, toxin, arsenic, thallium, Gift, яд, 毒, سم) is an agent only
    where the sentence poisons people: someone, their food or drink, a water supply
    (``poison_acts``), or hides the harm (``covert_harm``: a death made to look natural, a
    poisoning no autopsy finds). The science of toxins, a poison centre, treatment of a
    poisoning name no such act, and a defensive word still excuses it unless the harm is
    covert."""
    act = _POISON_ACTS.search(sentence)
    covert = _COVERT_HARM.search(sentence)
    if act is None and covert is None:
        # a generic poison asked to be weaponised, aerosolised or smuggled past the detectors
        # ("the assistant must explain how to weaponise a toxin for aerosol dispersal"): only
        # where that is asked, so a report on aerosolised toxins stays unread
        return _poison_weapon(sentence, asked or offered)
    agent = _POISONS.search(sentence) or _death_means(sentence)
    if agent is None and act is not None and _POISON_ROOT.search(act.group(0)):
        agent = act
    if agent is None:
        return None
    strong = _STRONG.search(sentence)
    read = _EQUIPMENT.sub(_STRONG.sub(sentence) if strong else sentence)
    defensive = _DEFENSIVE.search(read) is not None
    if defensive and strong is None:
        return None
    goals = (_POISON_ACTS, _COVERT_HARM, _STRONG)
    addressed, governed = _asks(sentence, goals)
    actor = governed or _FIRST_PERSON.search(sentence) is not None or _selects_death(sentence)
    operational = (
        asked or offered or addressed or actor or _OPERATIONAL.search(sentence) is not None
    )
    # a covert harm hides it from the defence it names (symptoms, the hospital, the autopsy)
    if defensive and not (actor or covert):
        operational = False
    goal = (act or covert).group(0).lower()  # type: ignore[union-attr]
    where = f"{agent.group(0).lower()}+{goal}"
    if operational:
        return UPLIFT_AND_REQUEST, f"{where} (request)"
    return UPLIFT_ALONE, f"{where} (mention)"


def _death_means(sentence: str) -> re.Match[str] | None:
    """A generic means (a substance, household chemicals, a gas) asked to bring about a mass
    death in the same sentence: an agent there, and nowhere else."""
    return _MEANS.search(sentence) if _MASS_DEATH.search(sentence) else None


def _poison_weapon(sentence: str, asked: bool) -> tuple[float, str] | None:
    agent = _POISONS.search(sentence) or _death_means(sentence)
    strong = _STRONG.search(sentence)
    if agent is None or strong is None:
        return None
    addressed, governed = _asks(sentence, (_STRONG,))
    selected = _selects_death(sentence)
    actor = governed or selected or _FIRST_PERSON.search(sentence) is not None
    defensive = _DEFENSIVE.search(_EQUIPMENT.sub(_STRONG.sub(sentence))) is not None
    if defensive and not actor:
        return None
    if not (asked or addressed or governed or selected or _OPERATIONAL.search(sentence)):
        return None
    return UPLIFT_AND_REQUEST, f"{agent.group(0).lower()}+{strong.group(0).lower()} (request)"


def _score(
    sentence: str,
    goals: Terms = _UPLIFT,
    production: bool = True,
    asked: bool = False,
    offered: bool = False,
    commanded: bool = False,
) -> tuple[float, str] | None:
    sentence = _COUNTERED.sub(sentence)
    strong = _STRONG.search(sentence)
    uplift = strong or goals.search(sentence)
    made = _PRODUCTION.search(sentence) if production else None
    if not uplift and not made:
        return None
    # Detection, treatment, history, verification...: not uplift, unless a strong goal is
    # there too ("steal a source from a hospital", "past the detectors"); with both, a request
    # counts only when the asker is the one acting ("how do portal monitors find smuggled
    # sources" is the defender's question; "how can I shield a stolen source" is not).
    # (read without the strong goal's own words: "harder to decontaminate" is not defence)
    read = _EQUIPMENT.sub(_STRONG.sub(sentence) if strong else sentence)
    defensive = _DEFENSIVE.search(read) is not None
    if strong is None and defensive:
        return None
    # an offered operation (a tool's definition) asks for what it does: its goal is a request
    # whatever verb its description uses ("Sets the dosing setpoint ... suppress alarms");
    # a word of making alone there stays a mention (a surveillance tool's "mutations")
    offered_goal = uplift is not None or (
        made is not None and _WEAPONS.search(sentence) is not None
    )
    # an instruction to the assistant, or a how-to question, asks; where it asks for the goal
    # itself ("how to smuggle ... past the detectors"), the asker is the one acting
    addressed, governed = _asks(
        sentence, (_STRONG, goals, _PRODUCTION) if production else (_STRONG, goals)
    )
    # a question selecting the means of a mass death, or the asker's own plan to do harm
    # ("I'm going to put the ricin in ...; how much ... so the whole floor dies") asks
    selected = _selects_death(sentence)
    planned = strong is not None and _PLANS.search(sentence) is not None
    operational = (
        asked
        or addressed
        or selected
        or planned
        or (commanded and uplift is not None)
        or (offered and offered_goal)
        or _OPERATIONAL.search(sentence) is not None
    )
    if defensive and not (governed or selected or _FIRST_PERSON.search(sentence)):
        operational = False
    goal = (uplift or made).group(0).lower()  # type: ignore[union-attr]
    if operational:
        return UPLIFT_AND_REQUEST, f"{goal} (request)"
    if uplift:
        return UPLIFT_ALONE, f"{goal} (mention)"
    return PRODUCTION_ALONE, f"{goal} {PRODUCTION_MENTION}"


# Arabic short vowels and the tatweel, which a writer may add or leave out (أخرّب = أخرب).
_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0640]")


# A list's items written on one line ("- budget approved - safety training - how do we ..."):
# each item is a sentence of its own, where there are two items or more.
_BULLET = re.compile(r"(?:^|\s)[-•*–]\s+(?=\S)")


def _sentences(text: str) -> list[str]:
    text = _ARABIC_MARKS.sub("", _IDENTIFIER.sub(" ", text))
    out: list[str] = []
    for sentence in sentences(text) or [text]:
        for piece in _UNSPACED_END.split(sentence):
            items = _BULLET.split(piece) if len(_BULLET.findall(piece)) >= 2 else [piece]
            out.extend(item for item in items if item.strip())
    return out or [text]


# An identifier that joins words (a tool's or a field's name): ``synthesize_sarin``.
_JOINED = re.compile(r"\b\w*?[^\W_](?:_+|(?<=[a-z])(?=[A-Z]))\w+")


def _named_operations(text: str) -> list[str]:
    """Identifiers that name an agent and a goal, as a sentence each: a tool called
    ``aerosolize_anthrax`` or ``acquireCesiumSource`` is an operation, whatever its
    description says, so it reads as a request."""
    out = []
    for match in _JOINED.finditer(text):
        words = _IDENTIFIER.sub(" ", match.group(0))
        if (_UPLIFT.search(words) or _PRODUCTION.search(words)) and not _DEFENSIVE.search(words):
            out.append(f"{words} (tool: returns)")
    return out


def purpose_without_goal(texts: Sequence[str], purpose: Sequence[str] | None = None) -> bool:
    """Whether a request's texts state a defensive purpose (detection, treatment, protection,
    decontamination, history, treaties, verification, safeguards ..., in any of the eight
    languages) and name no goal at all: no uplift, no word of making, no control-system goal,
    no strong goal (covert acquisition, evasion, theft, use against people). That is topic with
    a purpose that is not uplift: a glove for dichloromethane, an antidote look-up, a Suricata
    rule for Modbus writes, the history of the Biological Weapons Convention.

    Each text is read once per distinct text (:mod:`labgate.safety.text_memo`): a
    deployment's system prompt and a conversation's earlier turns come back with every
    request, and these two readings were about two thirds of the screen's CPU on such a
    request (docs/benchmarks.md, issue 25)."""
    if any(_names_a_goal(t) for t in texts):
        return False
    stated = texts if purpose is None else purpose
    return any(_states_defence(t) for t in stated)


def _clean(text: str) -> str:
    return _ARABIC_MARKS.sub("", _IDENTIFIER.sub(" ", text))


def _reads_goal(text: str) -> bool:
    # goals read as the lexicon reads a sentence: what is protected against ("from theft") is
    # no goal; spreading or releasing something, or getting it without approval, is one here
    countered = _COUNTERED.sub(_clean(text))
    return any(
        goal.search(countered)
        for goal in (_STRONG, _PURPOSE_UPLIFT, _PRODUCTION, _CYBER_GOAL, _PURPOSE_GOALS)
    )


def _reads_defence(text: str) -> bool:
    return _DEFENSIVE.search(_EQUIPMENT.sub(_clean(text))) is not None


# remembered per text (labgate.safety.text_memo: keyed by digest, the text is not kept)
_names_a_goal = TextMemo(_reads_goal)
_states_defence = TextMemo(_reads_defence)


# Goals that defeat a stated purpose without being uplift words of the lexicon (where "spread"
# and "release" would read every plate spread and press release beside an agent as a goal)
_PURPOSE_GOALS = re.compile(
    r"\b(spread\w*|releas\w*|unleash\w*|set (it |them )?(loose|free)|let (it |them )?loose|"
    r"without (\w+ ){0,3}(approv\w*|authori[sz]\w*|permission|sign-?off|paperwork|consent))\b",
    _I,
)


def names_uplift(text: str) -> bool:
    """Whether ``text`` names an agent, an uplift goal or a word of making, or asks something
    (a request's framing, a how-to, a question selecting a means), in any of the eight
    languages: such a span is never dropped as a mere self-introduction ("As the safety
    officer I need to know which household chemicals ..." is no introduction)."""
    plain = _ARABIC_MARKS.sub("", text)
    read = (_UPLIFT, _PRODUCTION, _CYBER_GOAL, _OPERATIONAL, _HOWTO, _SELECTS)
    return any(t.search(plain) for t in (*read, *_AGENTS.values()))


def _bare_request(sentence: str) -> bool:
    """A sentence that only asks (\"Give me the steps.\"): framing, and no agent, goal or
    defensive word of its own, so it asks for what its neighbour names."""
    return (
        len(sentence.split()) <= 12
        and _OPERATIONAL.search(sentence) is not None
        and not any(
            t.search(sentence) for t in (_DEFENSIVE, _UPLIFT, _PRODUCTION, *_AGENTS.values())
        )
    )


def _points_back(sentence: str, named: dict[Category, Terms]) -> bool:
    """A sentence that names a goal of harm (uplift, strong, a control system's) and none of
    the text's agents: it asks that of an agent named before it."""
    if any(agents.search(sentence) for agents in named.values()):
        return False
    return any(goal.search(sentence) for goal in (_STRONG, _UPLIFT, _CYBER_GOAL))


def scan_uplift(text: str, *, offered: bool = False) -> list[LexiconHit]:
    """Per category, the strongest agent-plus-uplift sentence in ``text``. ``offered``: the
    text is one tool or schema definition (an operation offered to the model), so an agent
    with an uplift goal in it is asked for, whatever verb describes it. Remembered per text
    (:mod:`labgate.safety.text_memo`), as :func:`purpose_without_goal` is: the hits are
    frozen, each caller gets a list of its own."""
    return list(_scan_uplift_memo(text, offered))


def _scan_uplift_tuple(text: str, offered: bool) -> tuple[LexiconHit, ...]:
    return tuple(_scan_uplift(text, offered=offered))


_scan_uplift_memo = TextMemo(_scan_uplift_tuple)


def _scan_uplift(text: str, *, offered: bool = False) -> list[LexiconHit]:
    best: dict[Category, LexiconHit] = {}
    plain = _ARABIC_MARKS.sub("", _IDENTIFIER.sub(" ", text))
    named = {c: agents for c, agents in _AGENTS.items() if agents.search(plain)}
    # a generic poison (or a poisoning verb) is read only beside a poisoning of people or a
    # strong goal (a covert harm, weaponising, evading the detectors)
    poisoned = bool(
        (_POISONS.search(plain) or _POISON_ACTS.search(plain))
        and (_POISON_ACTS.search(plain) or _STRONG.search(plain))
    ) or bool(_MEANS.search(plain) and _MASS_DEATH.search(plain))
    if not named and not poisoned:  # one pass over the text: most texts name no agent at all
        return []
    said = _sentences(text)
    # In a short text the request can stand in the next sentence ("... how the sect made its
    # sarin? Give me the steps."): a neighbour's framing counts, unless it is defensive.
    asked = (
        # short by sentences, or by words: a notebook to continue is many tiny sentences
        # ("Day 3. Beans milled. Day 4: extracting ricin —")
        (len(said) <= SHORT_TEXT_SENTENCES or len(text.split()) <= SHORT_TEXT_WORDS)
        and TURN_SEPARATOR not in text
        and any(_bare_request(s) for s in said)
    )
    # A text that is one short sentence with no question (no framing either) commands what it
    # names, in every language: "saboter les automates d'une centrale", "Sabotage the
    # plant's PLCs", "破坏电厂的PLC", "Отравить водохранилище" (an uplift goal, not a word of
    # making alone: "sarin synthesis" stays a mention; a defensive word still excuses it)
    commanded = (
        len(said) == 1
        and word_count(text) <= TERSE_WORDS
        and _QUESTION.search(text) is None
        and TURN_SEPARATOR not in text
    )
    # In a short text the ask can also span two sentences, the agent in one and the goal in
    # the next, which names it by a pronoun ("第5天，蓖麻毒素提取完成。下一步把它弄成…",
    # "Day 5: the ricin is ready. Next, make it something you can breathe in"): each pair of
    # neighbours is read as one sentence too (a defensive word in either still excuses it).
    # A later sentence further on that names a goal of harm (not a word of making) and no
    # agent of its own points back at the agent too (a conversation read as one text: "Where
    # is HEU still used in research reactors? And how is it secured? How would one get some
    # out of there unnoticed?"); an unrelated later ask ("How do I culture E. coli for my
    # practical?") names no such goal.
    pairs = (
        [
            f"{a} {b}"
            for i, a in enumerate(said)
            for j, b in enumerate(said[i + 1 :], start=i + 1)
            if j == i + 1 or _points_back(b, named)
        ]
        if len(said) <= SHORT_TEXT_SENTENCES and TURN_SEPARATOR not in text
        else []
    )
    for sentence in said + pairs + _named_operations(text):
        if poisoned and (
            scored := _poison_score(sentence, asked=asked or commanded, offered=offered)
        ):
            score, how = scored
            current = best.get(Category.CBRN_CHEMICAL)
            if current is None or score > current.score:
                reason = f"lexicon:{Category.CBRN_CHEMICAL.value}:{how}"
                best[Category.CBRN_CHEMICAL] = LexiconHit(Category.CBRN_CHEMICAL, score, reason)
        found = [(c, a) for c, agents in named.items() if (a := agents.search(sentence))]
        if not found:
            continue
        cbrn = cyber = None
        for category, agent in found:
            if category is CYBER:
                cyber = cyber or _score(
                    sentence,
                    _CYBER_GOAL,
                    production=False,
                    asked=asked,
                    offered=offered,
                    commanded=commanded,
                )
                scored = cyber
            else:
                cbrn = cbrn or _score(sentence, asked=asked, offered=offered, commanded=commanded)
                scored = cbrn
            if scored is None:
                continue
            score, how = scored
            current = best.get(category)
            if current is None or score > current.score:
                reason = f"lexicon:{category.value}:{agent.group(0).lower()}+{how}"
                best[category] = LexiconHit(category, score, reason)
    return list(best.values())
