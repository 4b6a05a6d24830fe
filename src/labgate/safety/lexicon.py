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
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from labgate.safety.categories import Category
from labgate.safety.chunking import sentences

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
        r"coronavirus|biological toxin)\b",
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
    r"for (a |use as a )?weapon|to make a bomb|release\w* (it|them|a|the)? ?\w* ?(in|over|"
    r"through|into|from))\b",
    _I,
)

# Making or getting the agent: uplift when asked as a request, not when asked about history.
PRODUCTION = re.compile(
    r"\b(mak(e|ing)|produc\w*|synthesi[sz]\w*|manufactur\w*|cultur\w*|grow\w*|extract\w*|"
    r"purif\w*|isolat\w*|assembl\w*|build\w*|design\w*|fill\w*|engineer\w*|modif\w*|"
    r"mutat\w*|recreat\w*|rescue|reconfigure|separate|machine|convert|breed|mill|grind|"
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
    r"droplet|particle|equipment|mutations|tamper|neutron|cover story)|\bi want|\bhelp me|"
    r"\bexplain (exactly )?how to|\bcalculate|\bdesign\b|\bplan\b|\blist\b|"
    r"\bprovide\b|\bcould i|\bi could|\bi need)",
    _I,
)

UPLIFT_AND_REQUEST = 0.6
UPLIFT_ALONE = 0.35
PRODUCTION_ALONE = 0.2


@dataclass(frozen=True, slots=True)
class LexiconHit:
    category: Category
    score: float
    reason: str


def _score(sentence: str) -> tuple[float, str] | None:
    uplift = UPLIFT.search(sentence)
    production = PRODUCTION.search(sentence)
    if not uplift and not production:
        return None
    operational = OPERATIONAL.search(sentence) is not None
    goal = (uplift or production).group(0).lower()  # type: ignore[union-attr]
    if operational:
        return UPLIFT_AND_REQUEST, f"{goal} (request)"
    if uplift:
        return UPLIFT_ALONE, f"{goal} (mention)"
    return PRODUCTION_ALONE, f"{goal} (mention)"


def scan_uplift(text: str) -> list[LexiconHit]:
    """Per category, the strongest agent-plus-uplift sentence in ``text``."""
    best: dict[Category, LexiconHit] = {}
    for sentence in sentences(text) or [text]:
        scored = _score(sentence)
        if scored is None:
            continue
        score, how = scored
        for category, agents in AGENTS.items():
            agent = agents.search(sentence)
            if agent is None:
                continue
            current = best.get(category)
            if current is None or score > current.score:
                reason = f"lexicon:{category.value}:{agent.group(0).lower()}+{how}"
                best[category] = LexiconHit(category, score, reason)
    return list(best.values())
