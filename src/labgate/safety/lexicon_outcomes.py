"""Outcomes asked for: the lexicon's words for a request that states its harm as what should
happen, not as a goal word (issue 21, the reframings round 8 left: "which toxin ... would leave
every child dead by morning", "какое вещество ... чтобы все посетители погибли", "哪种病原体 ...
能让一栋写字楼里的人全部丧命"). Plain data, merged into :data:`labgate.safety.lexicon_terms.
LANGUAGES` by that module (no imports here); what counts as a hit is decided in
:mod:`labgate.safety.lexicon`.

Roles, per language (en fr de es ru zh ja ar):

* ``mass_death`` (also ``strong``): the death of everyone in a place or of a whole group,
  written as the outcome ("every child dead", "the whole floor dies", "все погибли",
  "全部丧命", "全員が死ぬ", "يموت الجميع"), as "leave nobody alive" already read. A goal no
  stated purpose excuses, as the other mass-death outcomes are.
* ``means``: a generic means of killing that names no agent (a substance, household chemicals,
  a gas, "вещество", "sustancia", "物质", "مادة"): an agent only where the same sentence asks
  for a mass death with it; the chemistry of substances and gases names none.
* ``selects``: a question that asks which means, or how much of it ("which toxin ... would",
  "quelle substance", "welches Gift", "qué sustancia", "какое вещество", "哪种", "どの", "ما
  السم"): with a mass death in the sentence, the answer is the means, so it is asked, whatever
  purpose frames it. Alone it is no ask ("which toxin does C. botulinum make").
* ``plans``: the asker's own plan, in the first person future ("I'm going to", "je vais",
  "ich werde", "voy a", "я собираюсь", "我要", "つもり", "سأ…"): beside an agent and a strong
  goal (covert acquisition, evasion, a mass death), a request, as "I want" is; a defensive word
  still excuses it. (Beside any uplift word it refused "I will release the sarin standards
  into the GC-MS": not kept.)
* ``crowd`` (an uplift goal, excused by a defensive word): the most people breathing, eating or
  drinking it ("so the most spectators breathe it"), as reaching them already read.
"""

from __future__ import annotations

# who is killed: people, named as a group or by the place they fill ("the whole floor")
_PEOPLE_EN = (
    r"(people|persons?|child(ren)?|kids?|students?|pupils?|passengers?|patients?|guests?|"
    r"spectators?|fans?|visitors?|shoppers?|workers?|staff|employees?|occupants?|residents?|"
    r"inhabitants?|villagers?|citizens?|crowd|audience|commuters?|worshippers?|class|family|"
    r"town|village|city|floor|office|building|ward|school|congregation|one|man|woman)"
)
_PEOPLE_FR = (
    r"(gens|personnes|enfants|élèves|passagers|patients|invités|spectateurs|visiteurs|"
    r"clients|employés|habitants|occupants|résidents|supporters|fidèles|voyageurs)"
)
_PEOPLE_DE = (
    r"(menschen|personen|kinder|schüler|passagiere|patienten|gäste|zuschauer|besucher|"
    r"kunden|mitarbeiter|bewohner|einwohner|insassen|fans|fahrgäste|anwesenden)"
)
_PEOPLE_ES = (
    r"(personas|gente|niños|alumnos|estudiantes|pasajeros|pacientes|invitados|espectadores|"
    r"visitantes|clientes|empleados|habitantes|ocupantes|residentes|aficionados|fieles)"
)
_PEOPLE_RU = (
    r"(люди|посетители|пассажиры|дети|ученики|школьники|пациенты|жители|зрители|"
    r"сотрудники|присутствующие|гости|покупатели|болельщики|находящиеся)"
)
_PEOPLE_AR = (
    "(التلاميذ|الطلاب|الناس|الركاب|المرضى|الحاضرين|الموجودين|السكان|الأطفال|الموظفين|"
    "المشجعين|الزوار|المصلين|المتفرجين)"
)
MASS_DEATH: dict[str, list[str]] = {
    "en": [
        rf"(leave|leaves|leaving|left) (every|all|each)( (of )?(the )?\w+)? {_PEOPLE_EN}( \w+)?"
        r" dead",
        rf"(everyone|everybody|(every|each) {_PEOPLE_EN}|all( of)?( the)?( \w+)? {_PEOPLE_EN}|"
        rf"the (whole|entire) {_PEOPLE_EN})( \w+){{0,3}} (would |will |could |should |might )?"
        r"(be )?(dies|die|dead|perish\w*|killed)",
        rf"(everyone|everybody|all( of)?( the)?( \w+)? {_PEOPLE_EN}|"
        rf"the (whole|entire) {_PEOPLE_EN})( \w+){{0,3}} "
        r"(end|ends|would end|will end|land|lands) up in (the )?hospital",
        r"(so|until|till) (that )?(the|all the|every) hospitals? (are|is|would be|will be) full",
    ],
    "fr": [
        rf"(tout le monde|tous les {_PEOPLE_FR}|toutes les {_PEOPLE_FR})( \w+){{0,3}} (meurent|"
        r"meure|mourraient|mourront|périssent|soient morts|soient tués|seraient morts|y passent)",
        rf"(tout le monde|tous les {_PEOPLE_FR})( \w+){{0,3}} (finissent|finisse|finiraient|"
        r"se retrouvent|se retrouve|se retrouveraient) à l'hôpital",
    ],
    "de": [
        rf"(alle {_PEOPLE_DE}|jede[rn]? (einzelne|mensch))( \w+){{0,3}} (stirbt|sterben|"
        r"tot sind|tot wären|umkommen|umkommt)",
        r"alle (sterben|tot sind|tot wären|umkommen)",
        r"(dass|damit|bis) die krankenhäuser (\w+ )?(voll|überfüllt) sind",
        rf"alle {_PEOPLE_DE} (\w+ ){{0,3}}im krankenhaus (landen|liegen)",
    ],
    "es": [
        rf"(todo el mundo|todos los {_PEOPLE_ES})( \w+){{0,3}} (mueran|muera|murieran|"
        r"morirían|mueren|perezcan|queden muertos)",
        r"(mue?r(an|iesen|ieran)|morirían) todos",
        r"todos (mueran|murieran|morirían|perezcan)",
        r"mat(ar|e|en|aría|arían) (a )?(al )?(mayor|máximo) número (posible )?de",
        r"(el mayor número|la mayor cantidad) (posible )?de (muertos|víctimas|muertes)",
        rf"(todo el mundo|todos los {_PEOPLE_ES})( \w+){{0,3}} (acaben|terminen|acabe|termine|"
        r"acabarían|terminarían) en el hospital",
    ],
    "ru": [
        rf"(все {_PEOPLE_RU})( \w+){{0,3}} (погибли|погибнут|умерли|умрут|погибли бы|"
        r"умерли бы)",
        r"(погибли|погибнут|умерли|умрут) все",
        r"все (погибли|погибнут|умерли|умрут)",
        rf"все {_PEOPLE_RU} (\w+ ){{0,3}}(окажутся|попадут|оказались|попали|окажется) в больниц\w*",
    ],
    "zh": [
        "(全部|全都|统统|所有人都?|每一个人都?|无一例外地?)(丧命|丧生|毙命|送命|身亡|没命)",
        "(全镇|全村|全城|全市|全楼|所有)的?人(都|全)?(住进|进了?|送进|躺进)医院",
    ],
    "ja": [
        "(全員|みんな|皆)(が|を)?[^。？！、]{0,6}(死ぬ|死亡|死な|殺|命を落と)",
        "一人(残らず|も生き残)",
        "(住民|全員|みんな)[^。？！、]{0,6}病院送り",
    ],
    "ar": [
        f"(يموت|يقتل|يهلك|تقتل|لتقتل|ليقتل|لقتل)\\S* (\\S+ ){{0,2}}"
        f"(الجميع|جميع {_PEOPLE_AR}|كل {_PEOPLE_AR})",
        f"(الجميع|جميع {_PEOPLE_AR}) (\\S+ ){{0,2}}(يموتون|يموت|يهلكون|قتلى|موتى)",
    ],
}

MEANS: dict[str, list[str]] = {
    "en": [
        r"(drinking |tap )water",
        r"(the |a |our |their )?(town|city|village)'?s? water( supply)?",
        r"(household |industrial |common |cleaning |pool )?chemicals?",
        r"substances?",
        r"compounds?",
        r"gas(es)?",
        r"mixtures?",
        r"agents?",
    ],
    "fr": [
        r"eau (potable|du robinet)",
        r"substances?",
        r"produits? (chimiques?|ménagers?)",
        r"composés?",
        r"gaz",
        r"agents?",
    ],
    "de": [
        r"trinkwasser\w*",
        r"leitungswasser",
        r"stoff(e)?",
        r"substanz(en)?",
        r"chemikalien",
        r"gas(e)?",
        r"mittel",
        r"\w*stoff\w*",
    ],
    "es": [
        r"agua (potable|del grifo)",
        r"sustancias?",
        r"productos? (químicos?|de limpieza)",
        r"compuestos?",
        r"gas(es)?",
        r"agentes?",
    ],
    "ru": [
        r"(питьев\w* )?вод(а|у|ы|е|ой)",
        r"веществ\w*",
        r"химикат\w*",
        r"хими\w* (средств|соединени)\w*",
        r"газ\w*",
        r"смес\w*",
    ],
    "zh": ["自来水", "饮用水", "物质", "化学品", "化学物质?", "化学药剂", "药剂", "气体", "试剂"],
    "ja": ["水道水", "飲料水", "物質", "化学物質", "化学薬品", "薬品", "薬剤", "ガス"],
    "ar": ["مياه الشرب", "ماء الشرب", "مادة", "مواد", "غاز", "خليط"],
}

SELECTS: dict[str, list[str]] = {
    "en": [
        r"which\b",
        r"what (\w+ ){1,3}(would|could|will|can|might|should|to use|is needed|do (i|we) need)",
        r"what (would|does|will) it take",
        r"how (much|many)",
    ],
    "fr": [r"quel(le)?s?", r"combien", r"que faudrait-il", r"qu'est-ce qu'il faudrait"],
    "de": [
        r"welche[srnm]?",
        r"wie viel\w*",
        r"was (bräuchte|braucht|müsste|würde) man",
        r"was (müsste|muss|sollte) (\w+ )?(passieren|geschehen)",
    ],
    "es": [r"qué( \w+)?", r"cuál(es)?", r"cuánt[oa]s?", r"qué haría falta"],
    "ru": [
        r"как(ое|ой|ая|ие|ую|их|им)",
        r"сколько",
        r"что (нужно|надо|потребуется)",
        r"что (должно|нужно|надо) (\w+ )?(произойти|случиться|сделать)",
    ],
    "zh": ["哪种", "哪些", "哪一种", "哪个", "什么", "多少", "怎样", "怎么", "如何"],
    "ja": ["どの", "どれ", "何を", "何が", "どれだけ", "どのくらい"],
    "ar": ["ما", "ماذا", "أي", "كم"],
}

PLANS: dict[str, list[str]] = {
    "en": [
        r"(i|we)('ll| will| am going to|'m going to| are going to|'re going to| plan to| intend "
        r"to| mean to)",
    ],
    "fr": [r"(je|nous) (vais|allons|compte|comptons)", r"j'ai l'intention de"],
    "de": [r"(ich|wir) (werde|werden|will|wollen|habe vor|haben vor)"],
    "es": [r"(voy|vamos) a", r"(pienso|pensamos|planeo|planeamos)"],
    "ru": [r"(я|мы) (собираюсь|собираемся|планирую|планируем|намерен\w*)"],
    "zh": ["我(要|将|打算|准备|计划)", "我们(要|将|打算|准备|计划)"],
    "ja": ["つもり(だ|です)?", "予定(だ|です)"],
    "ar": ["س[أن]\\S+", "[أن]نوي", "[أن]خطط"],
}

CROWD: dict[str, list[str]] = {
    "en": [
        r"(the )?(most|maximum number of|greatest number of|largest number of) (\w+ )?(people|"
        r"fans|spectators|travell?ers|passengers|commuters|shoppers|visitors|guests|students|"
        r"patients|worshippers|residents) (would |will |can )?(breathe|inhale|swallow|drink|eat|"
        r"absorb|get)\w*",
        r"(reach|reaches|engulf\w*|blankets?|drifts? (over|into|onto)) the (crowd|spectators|"
        r"audience|fans|stands)",
    ],
    "fr": [r"(le plus de|un maximum de) (\w+ ){0,2}(respire|respirent|inhale|inhalent|avale\w*)"],
    "es": [
        r"(el mayor número|la mayor cantidad|tant[oa]s) (de )?(\w+ ){0,2}(respire\w*|inhale\w*|"
        r"trague\w*)",
    ],
    "ru": [r"(как можно больше\w*|максимум) (\w+ ){0,2}(вдохн\w*|надышал\w*|проглотил\w*)"],
}

# Getting past the detection a harm is hidden from, said the way a task or a tool's field says
# it ("without the radiation portal monitors picking it up", "get past the autopsy",
# "司法解剖をすり抜ける", "мимо детекторов"): covert
# acquisition, evasion and a covert harm, as "without being detected" and "evade the autopsy"
# already read; and an agent used on people named as its victims ("using it on her
# classmates"), as "against people" reads.
EVASION: dict[str, list[str]] = {
    "en": [
        r"without (the |any |a )?(\w+ ){0,3}(monitors?|detectors?|scanners?|sensors?|inspectors?|"
        r"alarms?|screeners?|guards?) (picking|noticing|detecting|catching|flagging|spotting)\w*",
        r"us(e|es|ing) (it|them|this) on (his |her |their |my |the )?(classmates|colleagues|"
        r"neighbou?rs|family|people|crowd|passengers|students|coworkers|co-workers)",
    ],
    "ru": [r"мимо (\w+ )?(детектор|рам|датчик|таможн|сканер|пограничн|досмотр)\w*"],
}
COVERT: dict[str, list[str]] = {
    "en": [
        r"(get|gets|getting|slip|slips|slipping|sneak\w*) past (the |an? |any )?(\w+ )?"
        r"(autops\w*|tox(icology)? screens?|post-?mortems?|coroner|pathologist)",
    ],
    "ja": [
        "(司法解剖|解剖|検死|検視|薬物検査)を(すり抜け|かいくぐ|逃れ|欺)",
        "事故に見え(る|ます)",
    ],
}

# A reactor driven into meltdown on purpose ("provocar a propósito la fusión del núcleo de una
# central nuclear"): sabotage of the plant's safety, a strong goal whatever purpose frames it.
# Only with the word for "on purpose": what caused Fukushima's meltdown, or what can cause one,
# is reactor physics and history.
MELTDOWN: dict[str, list[str]] = {
    "en": [
        r"(deliberately|intentionally|on purpose|purposely)( \w+){0,4} (a |the )?(\w+ )?"
        r"(meltdown|core melt\w*)",
    ],
    "fr": [
        r"(délibérément|volontairement|exprès|intentionnellement)( \w+){0,4} (la )?"
        r"fusion du c(œ|oe)ur",
    ],
    "de": [r"(absichtlich|gezielt|vorsätzlich|bewusst)( \w+){0,4} (eine |die )?kernschmelze"],
    "es": [
        r"(a propósito|deliberadamente|intencionadamente|adrede)( \w+){0,4} (la )?"
        r"fusión del núcleo",
    ],
    "ru": [r"(намеренно|умышленно|специально|нарочно)( \w+){0,4} (расплавлени\w*|расплав\w*)"],
    "zh": ["(故意|蓄意|有意)[^。？！，,]{0,10}(堆芯熔毁|堆芯熔化|熔堆)"],
    "ja": ["(故意に|意図的に|わざと)[^。？！、]{0,10}(メルトダウン|炉心溶融)"],
    "ar": ["(عمدا|عمدًا|عن قصد|متعمد\\S*)\\s(\\S+\\s){0,4}(انصهار|ذوبان) (قلب )?المفاعل"],
}

# which role of the lexicon each list joins
ROLES: tuple[tuple[str, dict[str, list[str]]], ...] = (
    ("strong", MASS_DEATH),
    ("mass_death", MASS_DEATH),
    ("means", MEANS),
    ("selects", SELECTS),
    ("plans", PLANS),
    ("crowd", CROWD),
    ("strong", EVASION),
    ("covert_harm", COVERT),
    ("strong", MELTDOWN),
)
