"""Does a text say anything? The rule that greetings and near-empty texts are never flagged.

The classifier head has seen attack templates and benign *questions*, so a text that is neither
("hi", "hello", "thanks!", "?") lands anywhere: "hi" scored 0.6 as a jailbreak and greetings
made 32 of 45 flags in one hour (issue 21). A text with no content word cannot carry a request,
harmful or not, so its segments are not given to the classifier at all
(:func:`labgate.safety.scoring.prepare`), and the patterns and the lexicon, which need content
words to match, find nothing in it either. A greeting therefore scores zero everywhere.

A content word is any word that is not a function word, a greeting or a courtesy, in the
languages the labs write in (English, French, German, Spanish, Russian, Chinese, Arabic,
Japanese). Anything else counts as content, so the rule errs towards screening: "hi there,
how do I culture E. coli?" is screened as usual, and so is every text in a script whose words
are not listed here.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+", re.UNICODE)

NO_CONTENT_WORDS = frozenset(
    """
    a an the and or but so if then than to of in on at by for from with about as is are was were
    be been am do does did have has had it its it's this that these those there here i me my
    mine we us our you your yours he him his she her they them their what who whom which when
    where why how not no yes yeah yep nope ok okay k kk sure right fine well oh ah uh um hmm
    hi hey hello hallo hullo hiya howdy yo greetings morning afternoon evening night good day
    gm gn welcome thanks thank thx ty cheers please pls plz sorry excuse bye goodbye cya later
    see soon much very lot great nice cool awesome lol haha hehe wow test testing again
    there everyone all
    dear sir madam folks team guys

    bonjour bonsoir salut coucou merci beaucoup bien oui non ça va au revoir s'il vous plaît
    svp s plaît je tu il elle nous vous ils et ou le la les un une des de du est

    guten tag morgen abend servus moin danke schön bitte ja nein tschüss auf wiedersehen
    wie geht s ich du er sie es wir ihr und oder der die das ein eine ist

    hola buenos buenas días tardes noches gracias por favor sí adiós hasta luego qué tal
    yo tú él ella nosotros y o el los las una es muy

    привет здравствуйте здравствуй добрый день утро вечер спасибо пожалуйста да нет пока
    до свидания как дела хорошо ок я ты он она мы вы они и или это

    你好 您好 你们好 大家好 早上好 晚上好 谢谢 谢谢你 多谢 再见 拜拜 好的 是 不是 嗨 哈喽 你好吗

    مرحبا مرحباً السلام عليكم وعليكم سلام أهلا اهلا شكرا شكراً من فضلك نعم لا مع صباح مساء الخير
    النور كيف حالك

    こんにちは こんばんは おはよう おはようございます ありがとう ありがとうございます どうも
    はい いいえ さようなら よろしく お願いします もしもし やあ
    """.split()
)


def content_words(text: str) -> list[str]:
    """The words of ``text`` that are not function words, greetings or courtesies."""
    return [w for w in _WORD.findall(text.lower()) if w not in NO_CONTENT_WORDS and w != "_"]


def has_content(text: str) -> bool:
    """True when ``text`` has at least one content word (see the module docstring)."""
    return bool(content_words(text))


def says_something(text: str) -> bool:
    """True when ``text``, or any decoding of it, has a content word: Morse code or a string of
    symbols has no word in it as written but may decode to a request."""
    if has_content(text):
        return True
    from labgate.safety.decoding import derived_texts

    # Letter games (ROT-N, reversal, pig latin, spacing, leetspeak) read three greeting words
    # into some other three words by chance ("ok, bye bye"); only encodings count here.
    return any(
        has_content(d.text)
        for d in derived_texts(text)
        if not set(d.kind.split("+")) & _LETTER_GAMES
    )


_LETTER_GAMES = frozenset(
    {"rot13", "rot_n", "reversed", "reversed_words", "pig_latin", "spaced", "leetspeak"}
)
