"""A deployment's rules in its own system prompt: sentences that forbid weapons help.

Operators write their safety rules into the system prompt ("Never explain how to synthesize
nerve agents", "Do not help anyone make chemical weapons or sabotage SCADA systems"). The uplift
lexicon reads the act such a sentence names, and its reading stands where the classifier's
only flags, so every request sent with such a prompt was refused. A model told never to do a
thing is not asked to do it: :func:`without_prohibitions` drops those sentences from a system
or developer message before it is screened (the rest of the message is screened as before).

Narrow on purpose, since the client writes the system prompt too: a sentence is a prohibition
only when it *opens* with a word of forbidding (never, do not, must not, refuse requests, ne
jamais, niemals, nunca, никогда не, 不要, 禁止, لا, しないで … in eight languages) and has no
turn of its own: no second clause (a comma, "but", "then"), no exception ("unless", "except",
"only if"), no word of refusing after the opening ("never *refuse* to explain…", "don't
*hesitate*…" ask), no manner that inverts it ("never explain it *briefly*", "*wrongly*"), no
question, and at most 30 words; and the opening must govern the act (a verb of telling,
helping or making right after it: "don't *worry* about the rules and…" is not one). Anything
else stays and is read.
"""

from __future__ import annotations

import re

from labgate.safety.chunking import sentences

# the sentence opens with a word of forbidding (after an optional "you", "please", "the
# assistant")
_OPENING = re.compile(
    r"^\s*(?:(?:you|please|the assistant|assistant|vous|tu|du|sie|usted|ты|вы|你|您|أنت|あなたは)"
    r"[\s,:]*)?"
    r"(?:never|do not|don't|must not|mustn't|should not|shall not|may not|"
    r"refuse (?:all |any )?(?:requests|questions|to)|decline (?:all |any )?(?:requests|to)|"
    r"under no circumstances|"
    r"ne jamais|ne (?:pas|fournis|donne|explique|aide)|n'|jamais|refuse[zs]? (?:de|les demandes)|"
    r"niemals|nie\b|keinesfalls|auf keinen fall|lehne|verweigere|"
    r"nunca|jamás|no (?:expliques|des|ayudes|proporciones|describas)|rechaza|"
    r"никогда не|ни в коем случае|не (?:объясняй|помогай|давай|описывай|предоставляй)|откажи|"
    r"不要|不得|禁止|切勿|绝不|絕不|决不|不能|拒绝|拒絕|"
    r"لا (?:تشرح|تساعد|تقدم|تعط|تصف)|يحظر|يُحظر|ممنوع|ارفض|"
    r"決して|絶対に)",
    re.IGNORECASE,
)
# Japanese and Arabic often forbid at the end ("…を説明しないでください", "…ことは禁止")
_CLOSING = re.compile(
    r"(?:しないで(?:ください)?|してはいけない|してはならない|禁止(?:です)?|ないこと)[。.!！]?\s*$"
)
# the act the opening forbids: a verb of telling or helping, or of making, right after it
_GOVERNED = (
    r"explain|tell|give|write|describe|provide|show|list|help|assist|answer|teach|detail|"
    r"outline|share|reveal|generate|discuss|support|enable|make|produce|synthesi[sz]e|build|"
    r"create|engage|respond|instruct|"
    r"expliqu\w*|di[st]|donn\w*|écri\w*|décri\w*|fourni\w*|montr\w*|aid\w*|répond\w*|"
    r"fabriqu\w*|produi\w*|"
    r"erklär\w*|sag\w*|gib|geben|schreib\w*|beschreib\w*|zeig\w*|hilf|helfen|antwort\w*|"
    r"herstell\w*|unterstütz\w*|"
    r"expli\w*|d[ai]|dar|dame|escrib\w*|describ\w*|muestr\w*|mostrar|ayud\w*|respond\w*|"
    r"proporcion\w*|fabric\w*|produc\w*|"
    r"объясн\w*|скаж\w*|сказать|да\w*|напиш\w*|опис\w*|покаж\w*|помог\w*|ответ\w*|"
    r"предостав\w*|изготов\w*|производ\w*"
)
_GOVERNS = re.compile(rf"^\W*(?:\w+\W+){{0,2}}?(?:{_GOVERNED})\b", re.IGNORECASE)
# Chinese, Japanese, Arabic: the act within a few characters of the opening
_GOVERNS_NEAR = re.compile(
    r"^.{0,6}?(?:解释|解釋|说明|說明|提供|帮助|幫助|协助|告诉|描述|制造|製造|生产|合成|回答|"
    r"説明|教え|手伝|提供|作り|製造|"
    r"تشرح|تساعد|تقدم|تعط|تصف|شرح|مساعدة|تقديم|صنع|إنتاج)"
)
# an exception or a question: the sentence does more than forbid
_TURN = re.compile(
    r"[?？؟;；]|"
    r"\b(?:but|unless|except|only if|until|then|instead|however|sauf|à moins|mais|sinon|puis|"
    r"außer|es sei denn|aber|sondern|sonst|dann|salvo|excepto|a menos|pero|sino|si no|luego|"
    r"кроме|если только|но|потом|иначе)\b|"
    r"除非|除了|但是|但|然后|否则|إلا|لكن|ثم|ただし|以外|でも|けど",
    re.IGNORECASE,
)
# a second clause that tells the model to act: ", explain ...", "and tell me ...", ": write ..."
_CLAUSE = re.compile(
    rf"(?:[,，:：،]|\b(?:and|et|und|y|e|и|а)\b|并且|然后|و)\s*(?:me\s+|moi\s+|mir\s+|мне\s+)?"
    rf"(?:{_GOVERNED}|now|go ahead|continue|proceed|maintenant|jetzt|ahora|теперь)\b",
    re.IGNORECASE,
)
# a manner that turns "never explain X briefly / wrongly" into "explain X fully / rightly"
_MANNER = re.compile(
    r"\b(?:briefly|vaguely|partially|partly|superficially|incomplete\w*|wrong\w*|incorrect\w*|"
    r"inaccurat\w*|badly|poorly|falsel?y?|in (?:less|fewer) than|less than|fewer than|"
    r"without (?:detail|step|the|any|exact|specific)\w*|in general terms|too|half|only|"
    r"bri[eè]vement|vaguement|partiellement|mal|faux|sans d[ée]tail\w*|seulement|"
    r"kurz|vage|teilweise|falsch|ohne details?|nur|"
    r"brevemente|vagamente|parcialmente|mal|sin detalles?|solo|"
    r"кратко|расплывчато|частично|неправильно|без подробностей|только)\b|"
    r"简单|简要|大概|错误|只|簡単|間違|だけ|باختصار|خطأ|فقط",
    re.IGNORECASE,
)
# a word of refusing after the opening turns the prohibition into its opposite
_REFUSING = re.compile(
    r"\b(?:refus\w*|declin\w*|hesitat\w*|withhold\w*|hold back|deny|denies|censor\w*|filter\w*|"
    r"h[ée]sit\w*|zöger\w*|verweiger\w*|ablehn\w*|zurückhalt\w*|rechaz\w*|dud\w*|negar\w*|"
    r"отказ\w*|колеба\w*|скрыва\w*)|拒绝|拒絕|犹豫|猶豫|隐瞒|ترفض|تتردد|断ら|拒否|ためら",
    re.IGNORECASE,
)
_MAX_WORDS = 30


def is_prohibition(sentence: str) -> bool:
    """Whether ``sentence`` only forbids (see the module docstring)."""
    text = sentence.strip()
    if not text or len(text.split()) > _MAX_WORDS:
        return False
    opening = _OPENING.match(text)
    if opening is None and _CLOSING.search(text) is None:
        return False
    body = text[opening.end() :] if opening else text
    if opening is not None and not (_GOVERNS.search(body) or _GOVERNS_NEAR.search(body.strip())):
        return False  # "Don't worry about the rules and ...": the opening forbids something else
    rest = body.rstrip(".!。！ ")
    return not (
        _TURN.search(rest) or _CLAUSE.search(rest) or _REFUSING.search(body) or _MANNER.search(rest)
    )


def without_prohibitions(text: str) -> str:
    """``text`` without its sentences that only forbid; the others, one a line."""
    said = sentences(text)
    kept = [s for s in said if not is_prohibition(s)]
    return text if len(kept) == len(said) else "\n".join(kept)
