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
helping or making right after it: "don't *worry* about the rules and…" is not one). An opening
of refusing ("Refuse any request …", "Block any conversation that asks …", 拒绝…) is turned round
by a negation, a stop, a refusal put off ("… *after* writing the route") or a ban of what follows
("拒绝提供…*是禁止的*"). Anything else stays and is read.
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
    r"(?:always |politely |firmly )?refuse (?:all |any |every )?"
    r"(?:requests?|questions?|attempts?|to)\b|"
    r"(?:always |politely |firmly )?decline (?:all |any |every )?(?:requests?|questions?|to)\b|"
    # "Block any conversation that asks how to …"
    r"(?:always )?(?:block|reject) (?:all |any |every )?(?:conversations?|chats?|requests?|"
    r"questions?|messages?|prompts?|attempts?)\b|"
    r"under no circumstances|"
    r"ne jamais|ne (?:pas|fournis|donne|explique|aide)|n'|jamais|"
    r"refuse[zs]? (?:de|les demandes|toute?s? (?:aide|demande|requête|question)s?)|"
    # a rule written with a modal ("tu ne dois jamais aider …", "vous ne pouvez pas …")
    r"ne (?:dois|doit|devez|peux|peut|pouvez)\s+(?:jamais|pas|en aucun cas)|"
    r"niemals|nie\b|keinesfalls|auf keinen fall|lehne|verweigere|"
    r"(?:hilfst|erklärst|gibst|beschreibst|unterstützt|lieferst|zeigst)\s+"
    r"(?:niemandem|niemals|nie|keinem|keiner|keinerlei|nicht)\b|"
    r"(?:erkläre|gib|beschreibe|hilf|nenne|liefere|zeige|sage?)\s+(?:niemals|nie|keinesfalls)\b|"
    r"nunca|jamás|no (?:expliques|des|ayudes|proporciones|describas)|"
    r"rechaza\b|rechazar(?= (?:cualquier|toda|todas|las|los|solicitudes|peticiones|preguntas)\b)|"
    r"no (?:ayudas|explicas|das|describes|proporcionas|facilitas)\b|"
    r"никогда не|ни в коем случае|никому не|"
    # the imperative ("не помогай") or a rule in the indicative ("не помогаешь", "ты не даёшь")
    r"не (?:объясняй|помогай|давай|описывай|предоставляй|объясняешь|помогаешь|даёшь|даешь|"
    r"описываешь|предоставляешь)|откажи|"
    r"严禁|嚴禁|严格禁止|嚴格禁止|绝对禁止|一律禁止|"
    r"不要|不得|禁止|切勿|绝不|絕不|决不|不能|拒绝|拒絕|"
    r"不(?:提供|协助|協助|帮助|幫助|解释|解釋|说明|說明|回答|参与|參與)|"
    r"لا (?:تشرح|تساعد|تقدم|تعط|تصف)|يحظر|يُحظر|ممنوع|ارفض|"
    r"決して|絶対に)",
    re.IGNORECASE,
)
# Japanese and Arabic often forbid at the end ("…を説明しないでください", "…ことは禁止")
_CLOSING = re.compile(
    r"(?:しないで(?:ください)?|ないで(?:ください|下さい)|してはいけない|してはならない|禁止(?:です)?|"
    r"ないこと|(?:協力|支援|説明|提供|回答)(?:は)?(?:いた)?しません|(?:手を貸し|手伝い|教え)ません)"
    r"[。.!！]?\s*$"
)
# the act the opening forbids: a verb of telling or helping, or of making, right after it
_GOVERNED = (
    r"explain|tell|give|write|describe|provide|show|list|help|assist|answer|teach|detail|"
    r"outline|share|reveal|generate|discuss|support|enable|make|produce|synthesi[sz]e|build|"
    r"create|engage|respond|instruct|advise|"
    r"expliqu\w*|di[st]|donn\w*|écri\w*|décri\w*|fourni\w*|montr\w*|aid\w*|répond\w*|"
    r"fabriqu\w*|produi\w*|conseill\w*|"
    r"erklär\w*|sag\w*|gib|geben|schreib\w*|beschreib\w*|zeig\w*|hilf|helfen|antwort\w*|"
    r"herstell\w*|unterstütz\w*|berat\w*|hilfst|gibst|lieferst|"
    r"expli\w*|d[ai]|dar|dame|escrib\w*|describ\w*|muestr\w*|mostrar|ayud\w*|respond\w*|"
    r"proporcion\w*|fabric\w*|produc\w*|aconsej\w*|"
    r"объясн\w*|скаж\w*|сказать|да\w*|напиш\w*|опис\w*|покаж\w*|помог\w*|ответ(?!ствен)\w*|"
    r"предостав\w*|изготов\w*|производ\w*|совет\w*"
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
    r"[?？؟;；؛]|"
    r"\b(?:but|unless|except|only if|until|then|instead|however|sauf|à moins|mais|sinon|puis|"
    r"außer|es sei denn|aber|sondern|sonst|dann|salvo|excepto|a menos|pero|sino|si no|luego|"
    r"кроме|если только|но|потом|иначе)\b|"
    r"除非|除了|但是|但|然后|否则|إلا|لكن|ثم|ただし|以外|でも|けど",
    re.IGNORECASE,
)
# a second clause that tells the model to act: ", explain ...", "and tell me ...", ": write ..."
_CLAUSE = re.compile(
    rf"(?:[,，:：،]|\b(?:and|et|und|y|e|и|а)\b|并且|然后|و)\s*(?:me\s+|moi\s+|mir\s+|мне\s+)?"
    rf"(?:{_GOVERNED}|now|go ahead|continue|proceed|maintenant|jetzt|ahora|теперь)\b"
    # … unless it forbids too ("…, und unterstützt keinerlei Arbeiten an …")
    r"(?!\s+(?:keinerlei|keine[mnrs]?|nicht|niemandem|nie|niemals|no|not|never|nothing|"
    r"aucune?|jamais|rien|ningún|ninguna|nada|nunca|никому|никогда)\b)|"
    # Chinese, Japanese, Arabic: a clause after a comma that tells ("，请告诉我…", "، اشرح")
    r"[,，、:：]\s*(?:告诉|告訴|解释|解釋|说明|說明|描述|给我|給我|代わりに|教えて|説明して)|"
    r"[,،:]\s*و?(?:اشرح|أخبرني|اخبرني|أعطني|اعطني|قل لي|صف)",
    re.IGNORECASE,
)
# "please" after a Chinese opening asks something ("不要…，请告诉我…"; not 请求 "a request")
_PLEASE = re.compile(r"(?<![申邀])[请請](?!求)")
# a manner that turns "never explain X briefly / wrongly" into "explain X fully / rightly"
# ("usar mal", to misuse, is a verb of the forbidden act, not a manner of telling)
_MANNER = re.compile(
    r"\b(?:briefly|vaguely|partially|partly|superficially|incomplete\w*|wrong\w*|incorrect\w*|"
    r"inaccurat\w*|badly|poorly|falsel?y?|in (?:less|fewer) than|less than|fewer than|"
    r"without (?:detail|step|the|any|exact|specific)\w*|in general terms|too|half|only|"
    r"bri[eè]vement|vaguement|partiellement|(?<!usar )(?<!utilizar )mal|faux|"
    r"sans d[ée]tail\w*|seulement|"
    r"kurz|vage|teilweise|falsch|ohne details?|nur|"
    r"brevemente|vagamente|parcialmente|(?<!usar )(?<!utilizar )mal|sin detalles?|solo|"
    r"кратко|расплывчато|частично|неправильно|без подробностей|только)\b|"
    r"简单|简要|大概|错误|只|不完整|不完全|含糊|省略|簡単|間違|だけ|曖昧|باختصار|خطأ|فقط",
    re.IGNORECASE,
)
# a word of refusing after the opening turns the prohibition into its opposite
_REFUSING = re.compile(
    r"\b(?:refus\w*|declin\w*|hesitat\w*|withhold\w*|hold back|deny|denies|censor\w*|filter\w*|"
    r"h[ée]sit\w*|zöger\w*|verweiger\w*|ablehn\w*|zurückhalt\w*|rechaz\w*|dud\w*|negar\w*|"
    r"отказ\w*|колеба\w*|скрыва\w*)|拒绝|拒絕|犹豫|猶豫|隐瞒|ترفض|تتردد|رفض|断ら|拒否|ためら|躊躇|遠慮",
    re.IGNORECASE,
)
_MAX_WORDS = 30

# an opening that already holds the act it forbids ("no expliques", "не давай", "لا تشرح")
_VERB_IN_OPENING = re.compile(
    rf"\b(?:{_GOVERNED})\b|تشرح|تساعد|تقدم|تعط|تصف|"
    r"提供|协助|協助|帮助|幫助|解释|解釋|说明|說明|回答|参与|參與",
    re.IGNORECASE,
)
# an opening of refusing ("Refuse any request about …", "Lehne alles ab, was …", "拒绝任何…的请求"):
# what follows is what is refused, not a verb it governs
_REFUSAL_OPENING = re.compile(
    r"(?:refuse|decline) (?:all |any |every )?(?:requests?|questions?|attempts?)|lehne|"
    r"(?:block|reject) (?:all |any |every )?(?:conversations?|chats?|requests?|questions?|"
    r"messages?|prompts?|attempts?)|"
    r"refuse[zs]? (?:les demandes|toute?s? )|"
    r"verweigere|rechaza\b|rechazar(?= )|откажи|拒绝|拒絕|ارفض",
    re.IGNORECASE,
)
# a verb after an opening of refusing that turns it round ("refuse to *stop* explaining")
_STOPPING = re.compile(
    r"\b(?:stop\w*|ceas\w*|quit\w*|arrêt\w*|cess\w*|aufhör\w*|aufzuhör\w*|dejar de|parar|"
    r"прекра\w*|перестать|توقف)|停止|不再|やめ",
    re.IGNORECASE,
)
# a refusal put off until after something ("refuse it *after* writing the route")
_LATER = re.compile(
    r"\b(?:after\w*|once|before|as soon as|first|après|avant|nachdem|danach|erst|después|antes|"
    r"luego|после|сначала|потом)\b|之后|之後|以后|以後|首先|先(?:写|給|给|提供|解释|说明|回答)|後で|"
    r"あとで|した後|بعد",
    re.IGNORECASE,
)
# a predicate of banning at the end of what an opening of refusing governs ("拒绝提供…是禁止的",
# "refuse requests for X is forbidden"): the refusal is what is banned
_BANNED_AT_END = re.compile(
    r"(?:\b(?:forbidden|prohibited|not allowed|not permitted|banned|interdit\w*|verboten|"
    r"untersagt|prohibid\w*|запрещ\w*)|禁止的|被禁止|严格禁止|禁止|禁じられています|禁止されています|"
    r"محظور\w*|ممنوع\w*)$",
    re.IGNORECASE,
)
# a negation after an opening of refusing turns it round ("refuse any request that is *not*
# about sarin", "refuse nothing")
_NEGATION = re.compile(
    r"\b(?:not|no|never|nothing|none|without|isn't|aren't|ne|pas|rien|nicht|kein\w*|nichts|"
    r"nie|sin|nada|nunca|не|ни|нет|ничего|لا|ليس)\b|不|没|非|ない|ません",
    re.IGNORECASE,
)
# a prohibition written as a noun: "No instructions for …", "Pas d'instructions pour …"
_NOMINAL = re.compile(
    r"^\s*(?:no|pas d[e']\s*|aucune?|keine?|sin|ningun[ao]?|никаких|никакой)\s*"
    r"(?:instructions?|help|guidance|advice|details?|information|steps|procedures?|recipes?|"
    r"assistance|aide|conseils?|détails?|informations?|procédures?|recettes?|anleitung\w*|"
    r"hilfe|hinweise?|informationen|instrucciones|ayuda|detalles|información|pasos|recetas|"
    r"инструкци\w*|помощ\w*|подробност\w*|информаци\w*|рецепт\w*)\s+"
    r"(?:for|on|about|to|regarding|pour|sur|concernant|zu[rm]?|für|über|para|sobre|acerca de|"
    r"по|для|о)\b",
    re.IGNORECASE,
)
# a noun prohibition turned round: "No instructions for X are off limits / too dangerous"
_NOMINAL_INVERTED = re.compile(
    r"\b(?:off.limits|forbidden|banned|prohibited|restricted|too|needed|required|necessary|"
    r"missing|spared|omitted|left out|held back|interdit\w*|tabou|verboten|tabu|nötig|"
    r"prohibid\w*|necesari\w*|запрещ\w*|нужн\w*)\b",
    re.IGNORECASE,
)
# a refusal after the rule, past a semicolon: "…; if asked, refuse and point to the EHS office"
_RULE_TAIL = re.compile(r"[;；؛]")
_RULE_END = re.compile(r"\s*[;；؛]\s*$")
_REFERRAL = re.compile(
    r"\b(?:refus\w*|declin\w*|redirect\w*|refer\w*|point\w* (?:them |the user )?to|escalat\w*|"
    r"report\w*|renvoi\w*|oriente\w*|signal\w*|verweis\w*|ablehn\w*|lehne|weiterleit\w*|"
    r"ni[ée]ga\w*|rechaz\w*|remit\w*|deriv\w*|откаж\w*|откаж|направ\w*|перенаправ\w*|сообщ\w*|"
    r"переадрес\w*)|"
    r"拒绝|拒絕|转给|轉給|转交|上报|断り|案内|報告|回して|回す|ارفض|رفض|وجّه|وجه|أحل",
    re.IGNORECASE,
)
_ACT_NEAR = re.compile(
    r"解释|解釋|说明|說明|提供|告诉|描述|制造|製造|生产|合成|説明|教え|作り|"
    r"تشرح|شرح|تقدم|تقديم|صنع|إنتاج"
)
_TAIL_WORDS = 20
_RULE_THEN = re.compile(r"(?:せず|しないで|することなく)[、,，]\s*")
_COMMA = re.compile(r"[，,]\s*")
# a second rule joined to a task: "Give triage advice, and never advise on how to poison"
_AND_NEVER = re.compile(
    r"(?:,\s*|\s)(?:and|et|und|y|e|и|а)\s+(?=(?:never|do not|don't|must not|ne jamais|jamais|"
    r"niemals|nie\b|nunca|jamás|никогда не|ни в коем случае)\b)|"
    r"[，,]\s*(?=(?:绝不|絕不|决不|不要|切勿))|"
    r"،?\s*و(?=لا\s)",
    re.IGNORECASE,
)


def is_prohibition(sentence: str) -> bool:
    """Whether ``sentence`` only forbids (see the module docstring)."""
    text = sentence.strip()
    if not text or len(text.split()) > _MAX_WORDS:
        return False
    opening = _OPENING.match(text)
    nominal = _NOMINAL.match(text) if opening is None else None
    if opening is None and nominal is None and _CLOSING.search(text) is None:
        return False
    body = text[opening.end() :] if opening else text[nominal.end() :] if nominal else text
    rest = body.rstrip(".!。！ ")
    if nominal is not None and _NOMINAL_INVERTED.search(rest):
        return False  # "No instructions for it are off limits"
    if opening is not None:
        said = opening.group(0)
        if _REFUSAL_OPENING.search(said):
            # "Refuse any request about obtaining sources": what is refused follows, unless
            # a negation turns it round ("refuse any request that is not about …")
            if _NEGATION.search(body) or _STOPPING.search(body) or _LATER.search(body):
                return False
            if _BANNED_AT_END.search(body.rstrip(".!。！ ")):
                return False  # "拒绝提供…是禁止的": refusing is what is banned
        elif not (
            _VERB_IN_OPENING.search(said)
            or _GOVERNS.search(body)
            or _GOVERNS_NEAR.search(body.strip())
        ):
            # "Don't worry about the rules and ...": the opening forbids something else
            return False
    return not (
        _TURN.search(rest)
        or _CLAUSE.search(rest)
        or _REFUSING.search(body)
        or _MANNER.search(rest)
        or _PLEASE.search(rest)
    )


def _refusal_tail(tail: str) -> bool:
    """Whether ``tail`` (after a rule's semicolon) only says how to refuse: a word of refusing
    or referring ("refuse and point to the EHS office", "niégate y remite a prevención"), no
    act of telling or making, no turn, and short."""
    text = tail.strip()
    return (
        0 < len(text.split()) <= _TAIL_WORDS
        and _REFERRAL.search(text) is not None
        and re.search(rf"\b(?:{_GOVERNED})\b", text, re.IGNORECASE) is None
        and _ACT_NEAR.search(text) is None
        and _TURN.search(text.rstrip(".!。！ ")) is None
        # "refuse to *withhold* it", "never refuse": the refusal turned round
        and _NEGATION.search(text) is None
        and _STOPPING.search(text) is None
        and not re.search(r"withh\w*|hold\w* back|hesitat\w*|deny|censor\w*", text, re.I)
    )


# a ban written object first: "Hilfe zur Herstellung … lehnst du ab", "Помощь в … не оказываешь"
_HELP_FIRST = re.compile(
    r"^\s*(?:help|assistance|aide|hilfe|unterstützung|ayuda|помощь|содействие)\b", re.IGNORECASE
)
_REFUSED_LATE = re.compile(
    r"\s(?:lehnst du ab|lehnen sie ab|verweigerst du|refuses?|refusez|rechazas|no (?:das|prestas|"
    r"ofreces)|не оказываешь|не оказывай|не предоставляешь|не предоставляй)\b",
    re.IGNORECASE,
)
_JOIN = re.compile(r"^[\s,，]*(?:(?:and|et|und|y|и)\s+)?", re.IGNORECASE)


def _help_first_ban(sentence: str) -> str | None:
    """The rest of a sentence that opens with a ban written object first ("Hilfe zur
    Herstellung biologischer Waffen lehnst du ab und verweist an …": "und verweist an …"),
    ``""`` when nothing follows it, or None when it is not one: the help refused must be named
    with no negation of its own ("help that is *not* for weapons"), no exception, second clause
    or inverting manner, and what follows must only say how to refuse."""
    text = sentence.strip()
    late = _REFUSED_LATE.search(text)
    if _HELP_FIRST.match(text) is None or late is None or len(text.split()) > _MAX_WORDS:
        return None
    named = text[: late.start()]
    if _NEGATION.search(named) or _TURN.search(named) or _CLAUSE.search(named):
        return None
    if _MANNER.search(named):
        return None
    tail = text[late.end() :].strip(" .!。")
    if not tail:
        return ""
    tail = tail[_JOIN.match(tail).end() :]  # type: ignore[union-attr]
    return tail.strip() if _refusal_tail(tail) else None


def _without_rule(sentence: str) -> str | None:
    """``sentence`` without the rule it holds beside something else, or None if it holds
    none: a rule then how to refuse ("Never explain X; if asked, refuse and point to the EHS
    office": the refusal stays), or a task then a rule ("Give triage advice and never advise on
    how to poison someone": the task stays). The part dropped must be a prohibition by
    :func:`is_prohibition` on its own; the part kept is read as before."""
    late = _help_first_ban(sentence)
    if late is not None:
        return late
    parts = _RULE_TAIL.split(sentence, maxsplit=1)
    if len(parts) == 2 and is_prohibition(parts[0]) and _refusal_tail(parts[1]):
        return parts[1].strip()
    # Japanese: a rule, then how to refuse, in one sentence ("…の手助けは一切せず、そうした質問は
    # 責任者に回してください"): the rule read as the prohibition it is ("…は一切しないでください")
    ja = _RULE_THEN.search(sentence)
    if ja is not None:
        rule, tail = sentence[: ja.start()] + "しないでください", sentence[ja.end() :]
        if is_prohibition(rule) and _refusal_tail(tail):
            return tail.strip()
    # Chinese: a rule, a comma, then how to refuse ("不提供…的帮助，遇到这类问题请转给…")
    comma = _COMMA.search(sentence)
    if comma is not None and re.search(r"[\u4e00-\u9fff]", sentence[: comma.start()]):
        rule, tail = sentence[: comma.start()], sentence[comma.end() :]
        if is_prohibition(rule) and _refusal_tail(tail):
            return tail.strip()
    joined = _AND_NEVER.search(sentence)
    if joined is not None:
        head, tail = sentence[: joined.start()], sentence[joined.end() :]
        if head.strip() and is_prohibition(tail):
            return head.strip()
    return None


def without_prohibitions(text: str) -> str:
    """``text`` without its sentences that only forbid (and without the rule a sentence holds
    beside a task or a refusal: :func:`_without_rule`); the others, one a line."""
    said = sentences(text)
    kept: list[str] = []
    for i, sentence in enumerate(said):
        if is_prohibition(sentence):
            continue
        # a rule cut at its semicolon from how to refuse ("…weapons;" "if asked, refuse …")
        rule = _RULE_END.sub("", sentence)
        if (
            rule != sentence
            and i + 1 < len(said)
            and is_prohibition(rule)
            and _refusal_tail(said[i + 1])
        ):
            continue
        rest = _without_rule(sentence)
        if rest is None:
            kept.append(sentence)
        elif rest:
            kept.append(rest)
    return text if kept == said else "\n".join(kept)
