"""Does a text read as language, and which? The word lists and measures the decoders use
to tell a decoding that reads from noise (:mod:`labgate.safety.decoding`), in eight
languages: English function words and the vocabulary of requests, each other language's own
function and asking words, and known words of two characters or more for Chinese and
Japanese. Generic words, not harmful ones: harm is judged on the decoded text afterwards.
Everything is compiled once, at import."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

# Function words and the vocabulary of requests: enough to tell English from a cipher. It is
# generic English, not a list of harmful words; harm is judged on the decoded text afterwards.
COMMON_WORDS = frozenset(
    """the be to of and a in that have i it for not on with he as you do at this but his by from
    they we say her she or an will my one all would there their what so up out if about who get
    which go me when make can like time no just him know take people into year your good some
    could them see other than then now look only come its over think also back after use two how
    our work first well way even new want because any these give day most us is are was were
    been has had did does made step steps how give tell explain write create build get need
    instructions detailed guide list using from home without quantity weapon where why should
    must may might shall each every much many more less very into onto off under between through
    during before while until again once here all both few own same too can will don now show
    find buy obtain produce prepare mix add heat cool store hide keep put send spread release
    kill hurt harm attack break steal grow culture extract purify synthesize synthesise
    synthesis route recipe method process way ways best cheap easy quickly secretly large small
    amount dose enough lot people crowd city water air food building system network power plant
    grid station school hospital government police virus bacteria toxin poison gas bomb weapon
    weapons nerve agent agents chemical chemicals biological nuclear material materials device
    explosive explosives gun code malware hack into access control computer password""".split()
)

# Extra words for splitting run-together letters ("howtomakeagas") and choosing among leetspeak
# readings; common English only.
VOCAB = COMMON_WORDS | frozenset(
    """about above across act add after against ago all almost alone along already always am
    among another answer anyone anything appear area arm around ask away bad base become begin
    behind best better big black blood body book bring brother call car care carry case cause
    cell center change child children city clean clear close cold common complete could country
    course cut dark data dead deal death deep die different door down draw drive drop during
    early earth eat effect end enemy energy enough enter even ever everyone everything eye face
    fact fall family far fast father fear feel field fight fill final fire fish five floor follow
    force form four free friend front full fun game girl glass go god gold great green ground
    group hand happen hard head hear help high hold hot hour house human idea important inside
    job just kid kind king land last late later lead learn leave left let level life light line
    little live long lose love low main man mean men might mind miss money month morning mother
    move music name near never next night nothing number often old open order others page paper
    part pass past pay perhaps person place plan play point poor possible problem pull quite
    rather read ready real really reason red remember rest right river road room run safe same
    school sea second seem set several short side simple since sit six size sleep slow soon sound
    space speak stand start state stay still stop story street strong study such sure table talk
    ten test thing three today together top toward town tree true try turn under understand
    until upon very voice wait walk wall war watch white whole wife win wind woman women word
    world write wrong yes yet young acid base salt metal lab test sample cells gene genes dna
    protein strain spore spores toxic lethal deadly mass casualties maximum contaminate
    contamination disperse dispersal aerosol spray reactor uranium plutonium enrich enrichment
    radioactive radiation source isotope missile drone target supply chain order ship shipping
    detect detection avoid evade evading bypass undetected border customs smuggle
    smuggling""".split()
)


def _lexicon_words() -> frozenset[str]:
    """The agent names the uplift lexicon already knows (so run-together letters split around
    "sarin" and "anthrax" rather than into fragments)."""
    from labgate.safety.lexicon import AGENTS

    words: set[str] = set()
    for pattern in AGENTS.values():
        words.update(
            w.lower()
            for w in re.findall(r"(?<![\[A-Za-z])[A-Za-z]{4,}(?=[|)\s\\-]|$)", pattern.pattern)
        )
    return frozenset(words)


VOCAB = (
    VOCAB
    | _lexicon_words()
    | frozenset(
        "weaponize weaponise weaponized weaponised synthesize synthesized enriched transmissible "
        "instructions instruction explain describe".split()
    )
)

# -- reading in eight languages --------------------------------------------------------------
# Whether a decoding "reads better" was judged by common English words alone, so a reversed
# Arabic or Russian sentence, ROT13 of French, base64 of UTF-8 Japanese or spaced-out Cyrillic
# never counted as decoded. Each language below has its own short list of function words and
# words of asking (generic, not harmful words; harm is judged on the decoded text afterwards),
# and Chinese and Japanese, written without spaces, a list of common words of two characters or
# more (a single character reads the same reversed, a word does not).
_LANG_WORDS_TEXT: dict[str, str] = {
    "fr": """le la les l de des du d un une et est sont en dans pour par que qui quoi quel quelle
    quels quelles où comment pourquoi quand combien pas ne ni sur sous avec sans ce cet cette ces
    ça cela il elle ils elles je j tu nous vous on me m moi te toi se s son sa ses mon ma mes ton
    ta tes leur leurs notre votre au aux plus moins très bien tout tous toute toutes chez entre
    vers après avant depuis pendant aussi mais ou donc car si y a ai as avons avez ont être avoir
    faire fais fait peux peut pouvez dois doit veux veut comme même autre autres donne donnez
    donner explique expliquez expliquer dis dites dire écris écrire montre montrer étapes étape
    méthode manière façon fabriquer préparer produire obtenir utiliser maison quelqu personne
    ville eau gaz détaillées détaillé fonctionne classe pain""",
    "de": """der die das den dem des ein eine einen einem einer eines und ist sind in im ins zu
    zum zur für mit von vom aus auf an am bei nach über unter vor durch ohne um wie was wer wo
    wann warum welche welcher welches nicht kein keine ich du er sie es wir ihr mich mir dich dir
    sich uns euch mein meine dein sein seine ihre man auch aber oder dass wenn so sehr noch nur
    schon dann hier da kann können muss müssen will wollen soll sollte habe hast hat haben bin
    bist werden wird wurde gib geben gibt erkläre erklären sag sage sagen schreib schreibe zeige
    zeig anleitung schritt schritte hause zuhause herstellen machen bauen gewinnen jemanden
    jemand stadt wasser gas alle alles viel mehr funktioniert unterricht brot""",
    "es": """el la los las lo de del un una unos unas y e es son está están en para por con sin
    que qué quien quién cual cuál como cómo donde dónde cuando cuándo cuanto cuánto porque no ni
    sobre entre hasta desde me mi mis te tu tus se su sus nos yo él ella ellos ellas usted le les
    al más muy bien todo todos toda todas también pero o u si ya hay ser estar hacer hago puedo
    puede pueden debo quiero dame dar da explica explicar explícame dime decir escribe escribir
    muestra paso pasos instrucciones método manera forma casa persona ciudad agua gas fabricar
    preparar producir obtener funciona clase pan""",
    "ru": """и в во не на я с со что как а то все всё она он они мы вы ты так его её ее их но да к
    ко у же бы по за из от до для о об при без через под над это этот эта эти чтобы если или ли
    когда где почему зачем какой какая какие каких сколько можно нужно надо мне меня мой моя мои
    свой своих тебе себя дай дайте объясни объясните расскажи напиши покажи скажи инструкцию
    инструкция пошаговую шаги способ сделать получить изготовить приготовить домашних условиях
    дома город городе воду вода газ человека людей работает уроке вместе мы сегодня""",
    "ar": """في من على إلى الى عن مع هذا هذه ذلك تلك كيف ماذا لماذا أين اين متى هل أن ان إن كان
    كانت التي الذي الذين ما لا لم لن أو او ثم قد كل بعض بين عند حتى لكن أي هو هي أنا انا نحن
    أنت انت هم لي لك له لها بها به فيها منه منها يمكن يمكنني أريد اريد أعطني اعطني اشرح أشرح
    اكتب قل أخبرني اخبرني خطوات طريقة كيفية صنع تصنيع لصنع المنزل البيت مدينة شخص الناس ماء
    غاز مفصلة بالتفصيل يعمل حالك اليوم""",
    "zh": """如何 怎样 怎么 什么 为什么 哪里 哪些 多少 请问 可以 能够 需要 应该 告诉 解释 说明
    描述 给我 步骤 详细 方法 办法 具体 一个 一些 这个 那个 我们 你们 他们 自己 时候 因为 所以
    但是 如果 然后 或者 还是 已经 没有 不是 就是 进行 使用 制造 制作 生产 合成 提取 培养 获得
    在家 家里 城市 人们 东西 问题 工作 实验 实验室 学生 老师 课堂 知道 觉得 现在 今天 明天
    天气 关于 通知 其中 以及 之后 之前 是否 这样 那样 一下 怎么样 有哪些 是什么""",
    "ja": """方法 手順 教えて ください 下さい 説明 して します する した される ます です でした
    ません ない ている ています こと もの ため ように について から まで という どう どうやって
    なぜ どこ いつ これ それ あれ この その 詳しい 詳しく 作る 作り方 作って 合成 抽出 培養
    自宅 家で 都市 私の あなた 場合 必要 できる 出来る 使う 使って 仕組み 授業 明日 天気 晴れ
    気温 くらい 化合物 何の ですか ますか しょう でしょう ましょう""",
}


def _accentless(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch))


def _compile_words(text: str, single_letters: bool) -> frozenset[str]:
    """The words, and the same without accents. One-letter words ("d", "y", "e") are left out
    of the Latin-script languages: the fragments of a hash or of base64 make them by chance
    (English keeps its "a" and "i", as before)."""
    words = [w for w in text.split() if single_letters or len(w) > 1]
    return frozenset(words) | frozenset(_accentless(w) for w in words)


LANG_WORDS: dict[str, frozenset[str]] = {
    lang: _compile_words(text, single_letters=lang in ("ru", "ar"))
    for lang, text in _LANG_WORDS_TEXT.items()
    if lang not in ("zh", "ja")
}
_CJK_WORDS = frozenset(
    w for lang in ("zh", "ja") for w in _LANG_WORDS_TEXT[lang].split() if len(w) >= 2
)
_CJK_LONGEST = max(len(w) for w in _CJK_WORDS)
# The other languages' words of two letters or more ("et", "sie"), for digits standing alone
# for a word once leetspeak is clear.
FUNCTION_WORDS = frozenset(w for words in LANG_WORDS.values() for w in words if len(w) >= 2)
# Any language's word: for choosing among readings (leetspeak) and telling words from data.
ANY_WORD = VOCAB | frozenset().union(*LANG_WORDS.values())

# A run of letters (any script; digits and "_" are no letters) and a Chinese/Japanese character.
UWORD = re.compile(r"[^\W\d_]+")
CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CJK_RUN = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
BOUNDED_WORD = re.compile(r"(?<!\w)[^\W\d_]+(?!\w)")
_ARABIC_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل")


def cjk_covered(run: str) -> int:
    """Characters of a Chinese/Japanese run covered by known words (longest first)."""
    covered, i, n = 0, 0, len(run)
    while i < n:
        for size in range(min(_CJK_LONGEST, n - i), 1, -1):
            if run[i : i + size] in _CJK_WORDS:
                covered += size
                i += size
                break
        else:
            i += 1
    return covered


def known_in(word: str, words: frozenset[str]) -> bool:
    if word in words:
        return True
    if words is LANG_WORDS["ar"]:  # Arabic writes "and", "the", "with" onto the word
        return any(
            word.startswith(p) and len(word) - len(p) >= 2 and word[len(p) :] in words
            for p in _ARABIC_PREFIXES
        )
    return False


def reading_ratio(text: str, min_len: int = 1, *, bounded: bool = True) -> float:
    """Share of words that are common words of one of the eight languages (English words count
    beside any of them: "decode this" frames a French request): a cheap "does this read as
    language". A Chinese or Japanese run counts as one word per two characters, read by the
    known words it holds. The best language wins."""
    cjk_total = cjk_known = 0.0
    for run in CJK_RUN.findall(text):
        cjk_total += len(run) / 2
        cjk_known += cjk_covered(run) / 2
    # whole words only: the letters between the digits of a hash, an id or base64 are no words
    # (``bounded`` False counts them, as unknown words: leetspeak's words are such fragments)
    found = (BOUNDED_WORD if bounded else UWORD).findall(text)
    words = [w.lower() for w in found if len(w) >= min_len and not CJK.search(w)]
    total = len(words) + cjk_total
    if not total:
        return 0.0
    counts = Counter(words)
    english = {w for w in counts if w in COMMON_WORDS}
    best = sum(counts[w] for w in english)
    if best < len(words):
        for lang_words in LANG_WORDS.values():
            known = sum(n for w, n in counts.items() if w in english or known_in(w, lang_words))
            best = max(best, known)
    return (best + cjk_known) / total
