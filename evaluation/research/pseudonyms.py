"""Pseudonyms: a project's keyed hashes of participants, respondents and comparison-group
people, stable within one research project and unlinkable across projects."""

import functools
import hashlib
import hmac

PSEUDONYM_LENGTH = 16
# Pseudonyms and offsets remembered per Keys (rows come ordered by participant, so a hit
# is the rule); bounded, so memory does not grow with the number of participants.
KEY_CACHE_SIZE = 4096


class Keys:
    """A project's keyed hashes. The secret never leaves the database; without it nobody
    can recompute a pseudonym from a participant number or link two projects."""

    def __init__(self, secret):
        self._key = secret.encode()
        # Each HMAC once per participant, not once per row.
        self.pseudonym = functools.lru_cache(maxsize=KEY_CACHE_SIZE)(self.pseudonym)

    def _digest(self, message):
        # hmac.digest: the one-shot C path, about twice as fast as hmac.new() per call.
        return hmac.digest(self._key, message.encode(), hashlib.sha256).hex()

    def pseudonym(self, participant_id):
        if participant_id is None:
            return None
        return self._digest(str(participant_id))[:PSEUDONYM_LENGTH]

    def respondent(self, response_id):
        # Its own message prefix: a respondent code never equals a participant pseudonym.
        return self._digest(f"response:{response_id}")[:PSEUDONYM_LENGTH]

    def register_person(self, person_id):
        # Its own message prefix: a comparison person's pseudonym never equals a
        # participant's, not even for someone who is both (joined after a follow-up).
        return self._digest(f"register:{person_id}")[:PSEUDONYM_LENGTH]


def keys_for(project):
    return Keys(project.secret)
