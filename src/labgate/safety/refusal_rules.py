"""A deployment's rules of refusing stated of the assistant, and the reading that drops every
shape of rule from a system or developer message (:func:`without_bans`).

The shapes the fifteenth round added: a **statement that the assistant refuses**
(:func:`is_refusal_statement`), a **ban said first** (:func:`is_ban_first`), a **refusal before
its condition** (:func:`is_refusal_then_condition`), and headers that **forbid a verb**
("Never:", "Niemals:", 绝不：) whose bullets may open with it. What counts as a clean ban, the
pointers that keep a block, the lists, tables, conditions and predicates of the fourteenth
round are :mod:`labgate.safety.prohibition_shapes`; its docstring says why each narrowing
exists and how the screen uses :func:`without_bans` (a second reading, never the first: a
block that rests on the rules alone is a flag, never an allow).
"""

from __future__ import annotations

import re

from labgate.safety.chunking import sentences
from labgate.safety.prohibition_shapes import (
    _BAN_HEADER,
    _BULLET,
    _CONDITION,
    _FULLNESS,
    _MAX_WORDS,
    _ORDER,
    _REFUSAL_CELL,
    _TABLE_ROW,
    _banned_cleanly,
    _refusal_only,
    _words,
    is_ban_predicate,
    is_conditional_refusal,
)
from labgate.safety.prohibitions import _GOVERNED, _LATER, without_prohibitions

# a header that forbids a verb, its bullets the verbs forbidden ("Never:", "Do not:", "You must
# not:", "The assistant will never:", "Ne jamais :", "Niemals:", "Nunca:", "Никогда не:")
_VERB_HEADER = re.compile(
    r"^\s*(?:#+\s*|\*\*)?(?:"
    r"(?:(?:you|the (?:assistant|model|bot)|we) (?:must|will|shall|should|may) (?:not|never)|"
    r"never|do not|don't|must not|must never|never do the following|do not do the following)|"
    r"(?:ne jamais|tu ne dois jamais|vous ne devez jamais|l['’]assistant ne doit jamais)|"
    r"(?:niemals|nie|du darfst (?:niemals|nie|nicht)|der assistent darf (?:niemals|nie|nicht))|"
    r"(?:nunca|no debes|el asistente nunca(?: debe)?|jamás)|"
    r"(?:никогда не|ни в коем случае не|нельзя|ассистент никогда не)(?: должен)?|"
    r"绝不|決して|绝对不要|永远不要|不得|禁止做以下事情|絶対にしないこと|لا تقم أبدا بما يلي|أبدا"
    r")(?:\*\*)?\s*[:：]\s*(?:\*\*)?\s*$",
    re.IGNORECASE,
)


def _forbidden_verb_cleanly(item: str) -> bool:
    """An item under a header that forbids a verb: the verb may open it ("explain how to make
    sarin"), the rest must ban cleanly and ask for no whole of it (:data:`_FULLNESS`)."""
    body = item.strip().rstrip(".!。！ ")
    head = re.match(rf"^\W*(?:{_GOVERNED}|help\s+\w+|assist\s+\w+)\b", body, re.IGNORECASE)
    rest = body[head.end() :] if head else body
    return (
        bool(rest.strip())
        and _FULLNESS.search(body) is None
        and _banned_cleanly(rest)
        and _ORDER.search(rest) is None
    )


# the one who refuses: the assistant, the model, "you", "we", a named bot ("LabPal")
_WHO = (
    r"(?:(?:the|this|our) (?:assistant|model|bot|chatbot|ai|agent|system|service|tool|"
    r"help ?desk)|you|we|it|"
    # a name, not an adverb or a word of forbidding ("Never refuse to explain …" asks)
    r"(?!(?:never|always|please|do|don't|politely|firmly|simply|just|nobody|no|none|nothing|"
    r"also|then|now|only|sometimes|often|rarely|seldom|hardly|not|ever|users?|anyone|someone|"
    r"everyone)\b)(?-i:[A-Z][A-Za-z0-9]+))"
)
_REFUSED_THINGS_EN = (
    r"(?:(?:all|any|every|each|such)\s+)?(?:requests?|questions?|queries|conversations?|chats?|"
    r"messages?|prompts?|asks?|attempts?|inquiries|enquiries|help|assistance|instructions?|"
    r"guidance|information|content|topics?)\b"
)
_TELLING_EN = (
    r"(?:provide|give|offer|help|assist|answer|explain|discuss|describe|engage|support|share|"
    r"detail|generate|produce|write|teach|advise)"
)
# "The assistant will decline requests for …", "You must refuse any request to …",
# "The bot will not provide …", "L'assistant refusera toute demande …", "Der Assistent lehnt
# Anfragen zu … ab", "El asistente rechazará cualquier solicitud …", "Ассистент отклонит любые
# запросы о …", "助手会拒绝任何关于…的请求", "アシスタントは…をお断りします", "سيرفض المساعد …"
_STATEMENTS = [
    re.compile(
        rf"^\s*{_WHO}(?:\s+(?:will|shall|must|should|is to|are to|is required to|are required "
        r"to|always|politely|firmly|will always|must always))*\s+(?:decline|declines|refuse|"
        r"refuses|reject|rejects|block|blocks|turn down|turns down)\s+"
        rf"(?:{_REFUSED_THINGS_EN}|to\s+{_TELLING_EN}\b(?:\s+(?:with|on|about|in))?)",
        re.IGNORECASE,
    ),
    re.compile(
        rf"^\s*{_WHO}\s+(?:(?:will|shall|must|should|does|do|may|can|is to|are to)\s+(?:not|never)"
        r"|(?:is|are) (?:not|never) to"
        rf"|won't|cannot|can't|doesn't|don't|mustn't|shouldn't|never)\s+{_TELLING_EN}\w*"
        r"(?:\s+(?:with|on|about|in|to))?\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"^\s*(?:l['’]assistant|le modèle|le bot|le chatbot|l['’]ia|le système|l['’]agent|tu|vous|"
        r"nous)\s+(?:refusera|refuseras|refuserez|refuse|refuses|refusez|refuserons|déclinera|"
        r"déclineras|déclinerez|décline|rejettera|"
        r"rejette|bloquera|bloque|(?:doit|devra|dois|devez|devons) (?:refuser|décliner|rejeter|"
        r"bloquer))\s+(?:(?:toute?s?|les|chaque|tout)\s+(?:les\s+)?)?(?:demandes?|requêtes?|"
        r"questions?|conversations?|messages?|sollicitations?|aide|assistance|instructions?)\b|"
        r"^\s*(?:l['’]assistant|le modèle|le bot|l['’]ia|tu|vous)\s+(?:ne|n['’])\s*(?:fournira|"
        r"donnera|expliquera|aidera|répondra|décrira|fournit|donne|explique|aide|répond|décrit|"
        r"fournis|donnes|expliques|aides|réponds|fournissez|donnez|expliquez|aidez)\s+"
        r"(?:jamais|pas|en aucun cas)\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"^\s*(?:der assistent|die assistentin|das modell|der bot|der chatbot|die ki|das system|"
        r"du|sie|wir)\s+(?:verweigert|verweigerst|verweigern|blockiert|blockierst|"
        r"(?:wird|muss|soll|wirst|musst|sollst|werden|müssen|sollen)(?=\s.*\b(?:ablehnen|"
        r"verweigern|blockieren|zurückweisen)\s*[.!]?\s*$)|lehnt|lehnst|lehnen|weist|weisen)\s+"
        r"(?:(?:alle|jede|jegliche|sämtliche|die)\s+)?(?:anfragen?|fragen?|bitten?|auskunft|"
        r"auskünfte|hilfe|unterstützung|anleitungen?|gespräche?|nachrichten?|antworten?)\b|"
        r"^\s*(?:der assistent|das modell|der bot|die ki|du)\s+(?:gibt|gibst|hilft|hilfst|"
        r"erklärt|erklärst|liefert|lieferst|beschreibt|beschreibst)\s+(?:keine\w*|nicht|niemals|"
        r"nie)\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"^\s*(?:(?:el asistente|la asistente|el modelo|el bot|el chatbot|la ia|el sistema|"
        r"el agente|tú|usted|nosotros)\s+)?(?:rechazará|rechaza|rechazarás|rechazas|declinará|"
        r"declina|"
        r"bloqueará|bloquea|denegará|deniega|(?:debe|deberá|debes|deberás|debemos) (?:rechazar|"
        r"declinar|bloquear|denegar))\s+(?:(?:cualquier|toda|todas las|las|los|todo|cada)\s+)?"
        r"(?:solicitud(?:es)?|petici(?:ón|ones)|preguntas?|consultas?|conversaci(?:ón|ones)|"
        r"mensajes?|ayuda|asistencia|instrucciones)\b|"
        r"^\s*(?:el asistente|el modelo|el bot|la ia|tú|usted)\s+(?:nunca|no)\s+(?:proporcionará|"
        r"dará|explicará|ayudará|responderá|describirá|proporciona|da|explica|ayuda|responde|"
        r"describe|debe (?:proporcionar|dar|explicar|ayudar|responder|describir))\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"^\s*(?:ассистент|помощник|модель|бот|чат-бот|система|ты|вы|мы)\s+(?:откажет|отказывает|"
        r"откажется|отказывается|отказываешь|отказываете|отклонит|отклоняет|отклоняешь|"
        r"отклоняете|блокирует|заблокирует|(?:должен|должна|должно|должны|будет|будут)\s+"
        r"(?:отказывать|отказать|отклонять|отклонить|блокировать))\s+(?:(?:от|в|на)\s+)?"
        r"(?:(?:любые|любой|любых|все|всех|любую|каждый|каждую|любом)\s+)?(?:запрос\w*|просьб\w*|"
        r"вопрос\w*|помощ\w*|инструкци\w*|разговор\w*|сообщени\w*)|"
        r"^\s*(?:ассистент|помощник|модель|бот|ты)\s+(?:никогда\s+)?не\s+(?:будет\s+|должен\s+)?"
        r"(?:предоставля\w*|предоставит|да[её]т|даст|давать|объясня\w*|объяснит|помога\w*|"
        r"поможет|отвеча\w*|ответит|описыва\w*|опишет)",
        re.IGNORECASE,
    ),
    re.compile(
        r"^\s*(?:本助手|该助手|助手|模型|机器人|系统|你|您|我们)(?:会|将|将会|应|应当|应该|必须|需要|要|一律|"
        r"始终|总是)*(?:拒绝|拒絕|婉拒|屏蔽|拦截|驳回)|"
        r"^\s*(?:本助手|该助手|助手|模型|机器人|系统|你|您)(?:绝不会|决不会|不会|不得|不能|从不|不)"
        r"(?:提供|协助|帮助|解释|回答|说明|描述)"
    ),
    re.compile(
        r"^\s*(?:(?:المساعد|النموذج|البوت|الروبوت|النظام|أنت|نحن)\s+)?(?:سيرفض|يرفض|سترفض|ترفض|سنرفض|"
        r"يجب أن يرفض|يجب أن ترفض|يجب عليك رفض|يجب رفض)(?:\s+(?:المساعد|النموذج|البوت))?\s+"
        r"(?:أي|كل|جميع)?\s*(?:طلب\w*|سؤال|أسئلة|استفسار\w*|محادث\w*)|"
        r"^\s*(?:المساعد|النموذج|البوت|أنت)\s+(?:لن|لا)\s+(?:يقدم|يساعد|يشرح|يجيب|يصف|تقدم|تساعد|"
        r"تشرح|تجيب|تصف)"
    ),
]
# Japanese: "アシスタントは…をお断りします", "…の提供は行いません" after its subject
_STATEMENT_JA = re.compile(
    r"^\s*(?:本アシスタント|アシスタント|モデル|ボット|AI|システム|あなた)は[、,]?(?P<banned>.+?)"
    r"(?:を|は)\s*(?:お断りします|断ります|拒否します|拒否してください|断ってください|"
    r"お断りしてください|提供しません|説明しません|回答しません|手伝いません|行いません)[。.!！]?\s*$"
)
# how to refuse, after the rule ("…, and report it to the safety team", "et le signale")
_STATEMENT_TAIL = re.compile(
    r"(?:,\s*|\s+)(?:and|et|und|y|и|و)\s+(?:then\s+|also\s+)?(?=(?:report|escalate|log|notify|"
    r"flag|alert|inform|refer|redirect|point|signale|préviens|prévenez|informe|meld|verweis|"
    r"reporta|notifica|deriva|remite|сообщ|уведом|перенаправ|أبلغ)\w*)|"
    r"[，,]?(?:并|並)(?=(?:上报|报告|通知|转交|记录))",
    re.IGNORECASE,
)
# German puts the refusal's particle at the end ("lehnt … ab", "wird … ablehnen")
_DE_PARTICLE = re.compile(
    r"\s+(?:ab|zurück|ablehnen|verweigern|blockieren|zurückweisen)\s*$", re.IGNORECASE
)
# Chinese puts the thing refused before its noun ("拒绝任何关于…的请求")
_ZH_THING = re.compile(r"(?:的)?(?:请求|要求|问题|提问|咨询|对话)\s*$")


# a subject that refuses nothing ("Nobody will refuse …", "Personne ne refusera …")
_NO_ONE = re.compile(
    r"^\W*(?:nobody|no ?one|none|nothing|no|niemand|personne|nadie|никто|ничто|没有人|无人|誰も|"
    r"لا أحد)\b",
    re.IGNORECASE,
)


def is_refusal_statement(sentence: str) -> bool:
    """ "The assistant will decline requests for X" (in eight languages): a sentence that says
    the assistant (the model, "you", "we", a named bot) refuses, or will not tell, what it names,
    banned cleanly; how to refuse may follow ("…, and report it to the safety team")."""
    text = sentence.strip()
    if _words(text) > _MAX_WORDS + 10 or _NO_ONE.match(text):
        return False
    ja = _STATEMENT_JA.match(text)
    if ja is not None:
        return _banned_cleanly(ja.group("banned")) and _LATER.search(ja.group("banned")) is None
    for shape in _STATEMENTS:
        said = shape.match(text)
        if said is not None:
            break
    else:
        return False
    rest = text[said.end() :].strip().rstrip(".!。！ ")
    tail = _STATEMENT_TAIL.search(rest)
    if tail is not None:
        if not _refusal_only(rest[tail.end() :]) or _FULLNESS.search(rest[tail.end() :]):
            return False
        rest = rest[: tail.start()]
    rest = _DE_PARTICLE.sub("", rest)
    rest = _ZH_THING.sub("", rest)
    rest = re.sub(r"^(?:任何|所有|一切|关于|有关|涉及)+", "", rest)
    return _banned_cleanly(rest) and _LATER.search(rest) is None


# "It is strictly forbidden to provide X", "Il est interdit de fournir X", "Es ist strengstens
# verboten, X zu geben", "Está prohibido proporcionar X", "Строго запрещено объяснять X",
# "يُمنع منعًا باتًا تقديم X": the ban first, then the act of telling banned
_BAN_FIRST = re.compile(
    r"^\s*(?:"
    r"it is (?:strictly |absolutely |expressly )?(?:forbidden|prohibited|not permitted|not allowed)"
    rf" to {_TELLING_EN}\b|"
    r"il est (?:strictement |formellement |absolument )?(?:interdit|défendu|proscrit) "
    r"(?:de |d['’])\s*(?:fournir|donner|expliquer|aider|répondre|décrire|détailler)\b|"
    r"es ist (?:strengstens |streng |ausdrücklich |strikt |absolut )?(?:verboten|untersagt|"
    r"nicht erlaubt|nicht gestattet)\s*,?|"
    r"(?:está|queda) (?:estrictamente |terminantemente |totalmente )?(?:prohibido|vetado) "
    r"(?:proporcionar|dar|explicar|ayudar|responder|describir|detallar)\b|"
    r"(?:строго |категорически )?(?:запрещено|запрещается) (?:предоставлять|давать|объяснять|"
    r"помогать|отвечать|описывать)\b|"
    r"(?:يُمنع|يمنع|يُحظر|يحظر)(?:\s+(?:منعًا باتًا|منعا باتا|تماما|تمامًا))?\s+(?:تقديم|شرح|"
    r"المساعدة|وصف|إعطاء)"
    r")",
    re.IGNORECASE,
)


def is_ban_first(sentence: str) -> bool:
    """ "It is strictly forbidden to provide X" (in six languages; Chinese 严禁 and the others'
    openings are :mod:`labgate.safety.prohibitions`'): X banned cleanly."""
    text = sentence.strip()
    ban = _BAN_FIRST.match(text)
    if ban is None or _words(text) > _MAX_WORDS:
        return False
    rest = text[ban.end() :]
    # German: "…, Anleitungen zu X zu geben" — the act at the end, after "zu"
    rest = re.sub(
        r"\s+zu\s+(?:geben|liefern|erklären|beschreiben|helfen|nennen)\s*[.!]?\s*$", "", rest
    )
    return _banned_cleanly(rest) and _LATER.search(rest) is None


# "Refuse if a user asks …", "Block if …", "Refuse si l'utilisateur …", "Lehne ab, wenn …",
# "Rechaza si …", "Откажи, если …", "ارفض إذا …": the refusal first, then the condition
_REFUSE_FIRST = re.compile(
    r"^\s*(?:always |politely )?(?:refuse|decline|block|reject|end the (?:conversation|chat))"
    r"(?: (?:the request|the conversation|the chat|it|them))?\s*,?\s+(?=(?:if|when|whenever)\b)|"
    r"^\s*(?:refuse[sz]?|décline[sz]?|bloque[sz]?)\s*,?\s+(?=(?:si|lorsqu|quand)\b)|"
    r"^\s*(?:lehne (?:\w+ )?ab|verweigere|blockiere)\s*,?\s+(?=(?:wenn|falls)\b)|"
    r"^\s*(?:rechaza\w*|bloquea|deniega)\s*,?\s+(?=(?:si|cuando)\b)|"
    r"^\s*(?:откажи\w*|отклони|заблокируй)\s*,?\s+(?=(?:если|когда)\b)|"
    r"^\s*(?:ارفض|احظر)\s*،?\s*(?=(?:إذا|إن|عندما)\s)",
    re.IGNORECASE,
)


def is_refusal_then_condition(sentence: str) -> bool:
    """ "Refuse if a user asks how to X": a refusal, then a condition on what is asked that
    bans cleanly (:func:`is_conditional_refusal` the other way round)."""
    text = sentence.strip()
    first = _REFUSE_FIRST.match(text)
    if first is None or _words(text) > _MAX_WORDS + 10:
        return False
    rest = text[first.end() :]
    if _CONDITION.match(rest) is None:
        return False
    tail = _STATEMENT_TAIL.search(rest)
    if tail is not None:
        if not _refusal_only(rest[tail.end() :]) or _FULLNESS.search(rest[tail.end() :]):
            return False
        rest = rest[: tail.start()]
    return _banned_cleanly(rest) and _LATER.search(rest) is None


def _table_row_refused(line: str) -> bool:
    """A markdown table row whose last cell refuses and whose other cells ban cleanly."""
    row = _TABLE_ROW.match(line)
    if row is None:
        return False
    cells = [c.strip() for c in row.group("cells").split("|")]
    if len(cells) < 2 or not _REFUSAL_CELL.match(cells[-1]):
        return False
    handling = _REFUSAL_CELL.sub("", cells[-1], count=1)
    return _refusal_only(handling.lstrip(" ,，、")) and all(
        _banned_cleanly(c) for c in cells[:-1] if c
    )


# where a header may open inside a line: after a sentence ("Acceptable use policy for LabPal.
# Disallowed uses include: …")
_SENTENCE_END = re.compile(r"[.!。！]\s+")


def _header_in(line: str) -> tuple[str, re.Match[str]] | None:
    """The part of ``line`` before a header of refusing and the header's match, or None."""
    header = _BAN_HEADER.match(line)
    if header is not None:
        return "", header
    for end in _SENTENCE_END.finditer(line):
        header = _BAN_HEADER.match(line[end.end() :])
        if header is not None:
            return line[: end.end()].rstrip(), header
    return None


def _listed_bans_dropped(text: str) -> str:
    """``text`` without the lines of its lists and tables of refusing."""
    lines = text.split("\n")
    kept: list[str] = []
    under_header = False
    under_verb = False
    for line in lines:
        bullet = _BULLET.match(line)
        if (under_header or under_verb) and bullet is not None:
            item = bullet.group("item")
            if _banned_cleanly(item) or (under_verb and _forbidden_verb_cleanly(item)):
                continue
            kept.append(line)
            continue
        under_header = under_verb = False
        if _VERB_HEADER.match(line) is not None:
            under_verb = True
            continue
        found = _header_in(line)
        if found is not None:
            before, header = found
            items = header.group("items").strip()
            if not items:
                under_header = True
                if before:
                    kept.append(before)
                continue
            if all(_banned_cleanly(i) for i in re.split(r"[;；؛]", items)):
                if before:
                    kept.append(before)
                continue
            kept.append(line)
            continue
        if _table_row_refused(line):
            continue
        kept.append(line)
    return "\n".join(kept)


def without_bans(text: str) -> str:
    """``text`` without its rules of refusing in the shapes above, then without the sentences
    that only forbid (:func:`labgate.safety.prohibitions.without_prohibitions`)."""
    listed = _listed_bans_dropped(text)
    said = sentences(listed)
    kept = [
        s
        for s in said
        if not (
            is_conditional_refusal(s)
            or is_ban_predicate(s)
            or is_refusal_statement(s)
            or is_ban_first(s)
            or is_refusal_then_condition(s)
        )
    ]
    rest = listed if kept == said else "\n".join(kept)
    return without_prohibitions(rest) if rest.strip() else rest
