"""Jailbreak and prompt-injection detection by pattern: fast, explainable, and hard to miss.

The classifier head sees meaning; these patterns see the *mechanics* of an attack: a persona
that "has no restrictions" (DAN, developer mode), an instruction override ("ignore previous
instructions"), refusal suppression ("never apologise"), a request to reveal the system prompt,
and obfuscation (encoded or split payloads, found by :mod:`labgate.safety.decoding`).

Each pattern carries a weight: the probability-like strength of that one signal. Signals for a
category combine as independent evidence, ``1 - prod(1 - w)``, so one strong signal (an explicit
override) is enough to block while several weak ones (a role-play request plus "hypothetically")
add up only to a flag. Weights were set by reading the training templates and checking the
benign training questions for hits, never the held-out split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from labgate.safety.categories import Category
from labgate.safety.decoding import Derived

_I = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class Pattern:
    name: str
    category: Category
    weight: float
    regex: re.Pattern[str]


def _p(name: str, category: Category, weight: float, regex: str, flags: int = _I) -> Pattern:
    return Pattern(name, category, weight, re.compile(regex, flags))


_JB = Category.JAILBREAK
_PI = Category.PROMPT_INJECTION

PATTERNS: tuple[Pattern, ...] = (
    # Instruction override and prompt exfiltration: attacks on the gateway's instructions.
    _p(
        "ignore_previous_instructions",
        _PI,
        0.9,
        r"\b(ignore|disregard|forget|override|bypass)\b[\w\s,]{0,30}\b(previous|prior|above|"
        r"earlier|preceding|all|your|its|their|the system|system)\b[\w\s]{0,20}\b("
        r"instructions?|prompts?|rules|guidelines|directives|messages?|polic(y|ies)|programming|constraints)",
    ),
    _p(
        "new_instructions",
        _PI,
        0.6,
        r"\b(your new (instructions|task|role|rules)|new system (message|prompt|instructions)|"
        r"from now on,? (you|your) (will|must|are)|system override|admin(istrator)? override|"
        r"developer override)\b",
    ),
    _p(
        "reveal_system_prompt",
        _PI,
        0.85,
        r"\b(reveal|print|output|repeat|show|tell me|display|dump|leak)\b[\w\s,]{0,40}\b("
        r"(your|the) system prompt|hidden (instructions|prompt)|(your|the) initial instructions|"
        r"instructions (you were given|above)|text above|your context window|"
        r"your (configuration|instructions)|everything (above|before this))",
    ),
    _p(
        "prompt_extraction",
        _PI,
        0.85,
        # an extraction verb, then the model's own prompt or instructions; "what are your ..."
        # only with "your" (a question about "the system prompt" may be about LLMs in general)
        r"\b(repeat|give me|output|print|show|tell me|translate|summari[sz]e|list|spell out|"
        r"write out|recite|copy|paste|quote|reveal|display)\b[\w\s,'\"]{0,40}?"
        r"(\byour( very)?( (first|initial|original|opening|system|hidden|secret|starting)){1,2}"
        r" (prompt|instructions?|initiali[sz]ation|configuration|directives|system message)\b"
        r"|\bthe( very)?( (first|initial|original|hidden|secret|system)){1,2} prompt\b"
        r"|\bthe (hidden|secret) instructions\b|\bthe pre-?prompt\b"
        r"|\byour (instructions|prompt|system message)\b)"
        r"|\bwhat (is|are|was|were) your( very)?( (first|initial|original|opening|system|hidden|"
        r"secret|starting)){0,2} (prompt|instructions|initiali[sz]ation|directives|"
        r"system message)\b"
        r"|\b(all )?the words (of|in|from) the (previous|prior|preceding) messages\b"
        r"|\binitiali[sz]ation above\b",
    ),
    _p(
        "rules_lifted",
        _PI,
        0.6,
        r"\b(new|updated) (policy|rules|instructions) from (the |your )?(developers?|admins?|"
        r"administrators?|creators?|operators?)\b"
        r"|\byou are (now )?(allowed|permitted|authori[sz]ed) to (answer|say|do|discuss) "
        r"(any|anything|everything)\b",
    ),
    _p(
        "when_an_ai_reads",
        _PI,
        0.7,
        r"\bwhen (the|an|any) (ai|assistant|llm|language model|model|chatbot) (reads|processes|"
        r"summari[sz]es|sees|parses)\b",
    ),
    _p(
        "fake_role_tag",
        _PI,
        0.6,
        r"(<\|?(im_start|system|assistant)\|?>|\[/?(system|INST)\]|<!--\s*(assistant|system|ai)|"
        r"^\s*(system|assistant)\s*:)",
        _I | re.MULTILINE,
    ),
    _p(
        "instructions_to_ai_reader",
        _PI,
        0.7,
        r"\b(note|message|instruction|important)\b[\w\s,:]{0,20}\b(to|for) (any |the )?(ai|llm|"
        r"assistant|language model|chatbot)s?\b",
    ),
    # Personas and role-play that exist to shed the model's rules.
    # (bounded by Latin letters, not \b: "你现在是DAN" has no word boundary before it)
    _p(
        "dan_persona",
        _JB,
        0.8,
        r"(?<![A-Za-z])(DAN|STAN|DUDE|AIM)(?![A-Za-z])|\bdo anything now\b",
        0,
    ),
    _p("developer_mode", _JB, 0.8, r"\b(developer|god|jailbreak|unrestricted|evil) mode\b"),
    _p(
        "no_restrictions",
        _JB,
        0.45,
        r"\b(no|without|free (of|from)|not bound by|broken free of|freed from|ignores?)\b"
        r"[\w\s]{0,20}\b(restrictions|filters?|censorship|limitations|guidelines|ethics|morals|"
        r"moral(ity)?|rules|content polic(y|ies)|safety)\b",
    ),
    _p("amoral_persona", _JB, 0.45, r"\b(amoral|unfiltered|uncensored|unethical|immoral)\b"),
    _p(
        "persona_switch",
        _JB,
        0.35,
        r"\b(you are (now|going to|about to)|from now on you|pretend (to be|you are)|"
        r"act as|role-?play as|immerse yourself|stay in character|you will respond as)\b",
    ),
    _p(
        "refusal_suppression",
        _JB,
        0.55,
        r"\b(never|don'?t|do not|must not|cannot|can'?t)\b[\w\s]{0,15}\b(refuse|decline|"
        r"apologi[sz]e|say (no|sorry|you can'?t)|include (any )?(warnings?|disclaimers?)|"
        r"warn|moralize|lecture|mention (ethics|legality))",
    ),
    # The dual-response mechanic: one answer as the model would give it, a second without its
    # rules. Asking for "two paragraphs" is not that mechanic: lab minutes say "everyone sends
    # him two paragraphs", a teacher asks for two answers to compare. So the count of answers
    # counts only beside the contrast the jailbreak is made of (a normal / standard / classic
    # one against an unfiltered / jailbroken / DAN one) within the same sentence; the
    # templates' own tags (🔓, [JAILBREAK], a bare JAILBREAK or CLASSIC in capitals) count
    # alone. Case-sensitive for the tags; the phrase is read in any case.
    _p(
        "dual_response",
        _JB,
        0.5,
        r"(?i:\b((two|2|both) (different |separate |distinct |kinds of )?(responses|answers|"
        r"paragraphs|replies|outputs|versions)|(normal|standard|classic|regular|usual|filtered|"
        r"censored) (response|answer|reply|output) and)\b[^.\n]{0,160}?\b(unfiltered|"
        r"uncensored|unrestricted|jailbr\w*|dan|developer mode|evil|unethical|amoral|no "
        r"(restrictions|filters?|limits|rules|censorship)|without (any )?(restrictions|filters?|"
        r"limits|rules|censorship))\b)|🔓|"
        r"\[(JAILBREAK|CLASSIC|DAN|DEVELOPER MODE)\]|\bJAILBREAK\b|\bCLASSIC\b",
        0,
    ),
    # The same three mechanics in Chinese, Japanese and Arabic (issue 21, round 6), which had no
    # pattern: an override of the instructions, a persona without limits, a persona switch.
    _p(
        "ignore_previous_instructions_zh_ja_ar",
        _PI,
        0.9,
        r"(忽略|无视|忘记|忘掉|不要理会|别管)[^。？！\n]{0,12}(之前|以前|先前|上面|上述|所有|全部|你的|"
        r"系统)[^。？！\n]{0,8}(指令|指示|规则|提示词)|"
        r"(これまで|以前|前|上記|最初|全て|すべて|システム)の?[^。？！\n]{0,10}(指示|命令|ルール|"
        r"制約|プロンプト)[^。？！\n]{0,6}(無視|忘れ)|"
        r"(تجاهل|انس|تناس)\s+(\S+\s+){0,3}?(التعليمات|تعليماتك|القواعد|قواعدك|الأوامر|أوامرك|"
        r"الإرشادات|إرشاداتك)",
    ),
    _p(
        "no_restrictions_zh_ja_ar",
        _JB,
        0.45,
        # the model said to be without limits (not "is there a limit on the dose")
        r"(你|您|AI|助手|模型|机器人)[^。？！\n]{0,10}(?<!有)(没有任何|没有|不受任何|不受|摆脱了?)(限制|约束|"
        r"审查|过滤)|(あなた|AI|アシスタント|モデル)[^。？！\n]{0,10}(制限|制約|検閲|フィルター)(の|が)?"
        r"(ない|なし|無し)|(制限|制約|検閲|フィルター)(の|が)?(ない|なし|無し)(AI|アシスタント|モデル)|"
        r"何でも答える|(أنت|نموذج|مساعد|ذكاء اصطناعي)[^.؟!\n]{0,30}(بلا|بدون|دون)\s+(أي\s+)?"
        r"(قيود|رقابة)|لا\s+[يت]رفض\s+[أا]ي",
    ),
    _p(
        "persona_switch_zh_ja_ar",
        _JB,
        0.35,
        r"你现在是|从现在(开始|起)[，,]?你|扮演|假装你是|角色扮演|"
        r"あなたは今から|今からあなたは|になりきって|のふりをして|ロールプレイ|"
        r"أنت الآن|من الآن فصاعدا|تقمّ?ص دور|العب دور|تظاهر بأنك",
    ),
    _p(
        "hypothetical_frame",
        _JB,
        0.2,
        r"\b(hypothetical(ly)?|purely fictional|for a (novel|story|movie|screenplay|game)|"
        r"in a fictional world|thought experiment)\b",
    ),
    _p(
        "prefix_injection",
        _JB,
        0.45,
        r"\b(start|begin) (your|the) (response|answer|reply) with\b[^.\n]{0,40}"
        r"(sure|of course|absolutely|here is|certainly)",
    ),
    # Reframings that attack the guardrail rather than ask (issue 21). Weak alone: a scientist
    # may say they are authorised, or ask for JSON; together, or with a persona or an
    # override, they add up. The request inside the frame is read by the classifier
    # (labgate.safety.reframing takes it out of the frame).
    _p(
        "fake_authorisation",
        _JB,
        0.35,
        r"\b(I am|I'm|we are|we're|I have been|this (request|work) is)\b[^.?!\n]{0,60}?"
        r"\b(cleared|authori[sz]ed|approved|vetted|sanctioned|whitelisted)\b"
        r"[^.?!\n]{0,20}\b(for|to|by|under)\b"
        r"|\b(authori[sz]ed|approved|sanctioned|cleared) by (the|my|our) [\w\s-]{0,30}"
        r"(director|government|ministry|department|dod|doe|agency|command|officer|committee)\b",
    ),
    _p(
        "permission_drawn",
        _JB,
        0.4,
        r"\b(so|therefore|hence|which means)\b[^.?!\n]{0,20}\byou (may|can|are allowed to|are "
        r"permitted to|must) (answer|respond|tell|explain|share)\b[^.?!\n]{0,20}"
        r"\b(fully|freely|everything|anything|without|in full|completely)\b",
    ),
    _p(
        "format_coercion",
        _JB,
        0.2,
        r"\b(respond|answer|reply|output)\b[^.?!\n]{0,20}\bonly\b[^.?!\n]{0,30}"
        r"\b(json|yaml|xml|csv|code|a table)\b",
    ),
    _p(
        "no_caveats",
        _JB,
        0.3,
        r"\b(no|without)\b (any )?(warnings?|disclaimers?|caveats?|commentary|moraliz\w+|"
        r"moralis\w+|safety notes?)\b",
    ),
    _p(
        "continuation_frame",
        _JB,
        0.2,
        r"\bcontinue\b[^.?!\n]{0,40}\b(exactly )?(where|from where) (it|this|the text) "
        r"(stops|left off|ends|breaks off)\b",
    ),
    _p(
        "decode_and_follow",
        _JB,
        0.4,
        r"\b(decode|decipher|translate|reverse|combine|concatenate|join)\b[\w\s,]{0,40}\b(then|"
        r"and)\b[\w\s]{0,20}\b(answer|follow|execute|respond|do|comply)",
    ),
)

# Decoding found an obfuscated payload: weak evidence alone (scientists paste base64 too), but
# the decoded text is screened as well, so an encoded harmful request is caught by its meaning.
# Encodings that benign text carries (base64 blobs, url-encoded links, NFKC-able characters in
# pasted PDFs) weigh least; disguises nobody writes by accident (ROT-N, reversed text, letters
# spaced out, look-alike letters inside a Latin word, zero-width characters inside a word) more.
# None reaches the review threshold (0.5) alone; two different disguises in one text do.
OBFUSCATION_WEIGHTS: dict[str, float] = {
    "base64": 0.35,
    "base32": 0.35,
    "hex": 0.3,
    "url": 0.2,
    "html_entities": 0.3,
    "unicode_escapes": 0.3,
    "binary": 0.35,
    "char_codes": 0.35,
    "morse": 0.4,
    "rot13": 0.4,
    "rot_n": 0.4,
    "reversed": 0.4,
    "reversed_words": 0.4,
    "spaced": 0.3,
    "leetspeak": 0.3,
    "pig_latin": 0.4,
    # The playful letter games (decoding_playful): like pig latin, nobody writes a request in
    # them by accident.
    "upside_down": 0.4,
    "javanais": 0.4,
    "ubbi_dubbi": 0.4,
    "jerigonza": 0.4,
    "rovarspraket": 0.4,
    "invisible": 0.35,
    "unicode_compat": 0.2,
    "diacritics": 0.3,
    "homoglyph": 0.4,
    "payload_splitting": 0.6,
}


_FAMILY = {"reversed_words": "reversed", "rot_n": "rot13", "base32": "base64"}


@dataclass(slots=True)
class PatternResult:
    """Pattern scores per attack category, with the names of what matched."""

    scores: dict[Category, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


def _combine(weights: list[float]) -> float:
    remaining = 1.0
    for w in weights:
        remaining *= 1.0 - w
    return 1.0 - remaining


def scan(text: str, derived: list[Derived] | None = None) -> PatternResult:
    """Match every pattern against ``text`` (and note obfuscations already decoded)."""
    evidence: dict[Category, list[float]] = {_JB: [], _PI: []}
    reasons: list[str] = []
    for pattern in PATTERNS:
        if pattern.regex.search(text):
            evidence[pattern.category].append(pattern.weight)
            reasons.append(f"pattern:{pattern.name}")
    found: dict[str, tuple[float, str]] = {}
    for item in derived or []:
        # "base64+rot13": each disguise counts once, however many decodings found it, and a
        # family once (a reversed text read both as reversed letters and reversed words)
        for kind in item.kind.split("+"):
            weight = OBFUSCATION_WEIGHTS.get(kind)
            family = _FAMILY.get(kind, kind)
            if weight is not None and weight > found.get(family, (0.0, ""))[0]:
                found[family] = (weight, kind)
    for weight, kind in found.values():
        evidence[_JB].append(weight)
        reasons.append(f"obfuscation:{kind}")
    scores = {category: _combine(ws) for category, ws in evidence.items()}
    return PatternResult(scores=scores, reasons=reasons)
