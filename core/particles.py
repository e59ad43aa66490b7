"""Korean particles chosen by the word before them, as a reader hears it.

Korean writes 은/는, 이/가, 을/를, 과/와, (으)로 and (이)라 after a word by whether its
last syllable ends in a consonant (받침): "T-01은", "P-07을", "득표순 선정으로". A name
put into a sentence is not known when the sentence is translated, so catalogues write
the pair after the placeholder ("%(item)s은(는)") and ``fill`` picks the form for the
value given. Pure: no Flask.
"""

import re

# The final consonant a digit is read with: 0 영, 1 일, 2 이, 3 삼, 4 사, 5 오, 6 육,
# 7 칠, 8 팔, 9 구. "R" for ㄹ, which takes 로 rather than 으로.
DIGIT_FINAL = {"0": "ㅇ", "1": "R", "3": "ㅁ", "6": "ㄱ", "7": "R", "8": "R"}
# A number ending in zeros is read by its last place: 십, 백, 천, 만.
PLACE_FINAL = {1: "ㅂ", 2: "ㄱ", 3: "ㄴ", 4: "ㄴ"}
# Latin letters as Korean reads them: 엘, 엠, 엔, 알 end in a consonant; the rest
# (에이, 비, 씨, …, 제트) in a vowel.
LETTER_FINAL = {"l": "R", "m": "ㅁ", "n": "ㄴ", "r": "R"}
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
RIEUL = 8  # index of ㄹ among the final consonants

# marker -> (form after a consonant, form after a vowel or ㄹ for (으)로)
PAIRS = {
    "은(는)": ("은", "는"),
    "는(은)": ("은", "는"),
    "이(가)": ("이", "가"),
    "가(이)": ("이", "가"),
    "을(를)": ("을", "를"),
    "를(을)": ("을", "를"),
    "과(와)": ("과", "와"),
    "와(과)": ("과", "와"),
    "(으)로": ("으로", "로"),
    "(이)라": ("이라", "라"),
}
_PLACEHOLDER = r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdif]"
_MARKED = re.compile(
    "(" + _PLACEHOLDER + ")(" + "|".join(re.escape(marker) for marker in PAIRS) + ")"
)


def final_sound(word: str) -> str | None:
    """The final consonant the word ends with when read aloud, "R" for ㄹ, or None when
    it ends in a vowel. Trailing punctuation and spaces are skipped; a word with no
    Hangul syllable, digit or Latin letter at its end counts as ending in a vowel."""
    text = str(word).rstrip(" .,!?)]}\"'’”」』>-")
    if not text:
        return None
    last = text[-1]
    code = ord(last)
    if HANGUL_FIRST <= code <= HANGUL_LAST:
        final = (code - HANGUL_FIRST) % 28
        if final == 0:
            return None
        return "R" if final == RIEUL else chr(0x11A7 + final)
    if last.isdigit() and last.isascii():
        digits = re.search(r"\d+$", text).group()
        zeros = len(digits) - len(digits.rstrip("0"))
        if zeros and digits.strip("0"):
            return PLACE_FINAL.get(zeros, "ㄴ")
        return DIGIT_FINAL.get(last)
    if last.isascii() and last.isalpha():
        return LETTER_FINAL.get(last.lower())
    return None


def choose(word: str, marker: str) -> str:
    """The particle for ``marker`` (a key of ``PAIRS``) after ``word``: the first form
    after a final consonant, the second after a vowel; (으)로 takes 로 after ㄹ too."""
    after_consonant, after_vowel = PAIRS[marker]
    final = final_sound(word)
    if final is None or (final == "R" and marker == "(으)로"):
        return after_vowel
    return after_consonant


def attach(word: str, marker: str) -> str:
    """The word with its particle: attach("T-01", "은(는)") == "T-01은"."""
    return f"{word}{choose(word, marker)}"


def fill(template: str, variables: dict) -> str:
    """Resolve every particle pair that follows a placeholder in ``template`` for the
    value it will receive; the placeholders themselves are left for ``%`` formatting.
    Pairs written after fixed text are the translator's to resolve and are left as they
    are, and so are values: a title containing "(으)로" is never changed."""

    def resolve(match: re.Match) -> str:
        placeholder, name, marker = match.groups()
        if name not in variables:
            return match.group(0)
        value = placeholder % {name: variables[name]}
        return placeholder + choose(value, marker)

    return _MARKED.sub(resolve, template)
