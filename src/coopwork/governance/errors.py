"""Stable error codes of the governance domain (proposals, ballots, resolutions, assemblies)."""

from django.utils.translation import gettext_lazy as _

from coopwork.core.errors import Conflict, NotFound, PermissionDenied, ValidationError

# --- Proposals, ballots and resolutions -------------------------------------------------------


class ProposalNotFound(NotFound):
    code = "proposal_not_found"
    default_message = _("No such proposal.")


class ProposalInvalid(ValidationError):
    code = "proposal_invalid"
    default_message = _("A proposal needs a title (at most 200 characters) and a text.")


class ProposalClosed(Conflict):
    code = "proposal_closed"
    default_message = _("This proposal is no longer under discussion.")


class ProposalAmendmentVoting(Conflict):
    code = "proposal_amendment_voting"
    default_message = _(
        "An amendment to this proposal is being voted on: the proposal goes to the vote once "
        "its result is known."
    )


class ProposalNotAuthor(PermissionDenied):
    code = "proposal_not_author"
    default_message = _("Only the author of the proposal may do this.")


class ProposalSupportTooLow(PermissionDenied):
    code = "proposal_support_too_low"
    default_message = _(
        "Only the board, or %(required)s members asking for it, can put this proposal to a vote "
        "(%(count)s so far)."
    )


class CommentEmpty(ValidationError):
    code = "comment_empty"
    default_message = _("A comment needs some text (at most 4,000 characters).")


class AmendmentNotFound(NotFound):
    code = "amendment_not_found"
    default_message = _("No such amendment.")


class AmendmentInvalid(ValidationError):
    code = "amendment_invalid"
    default_message = _("An amendment needs the proposed new text.")


class AmendmentAlreadyDecided(Conflict):
    code = "amendment_already_decided"
    default_message = _("This amendment has already been decided.")


class BallotNotFound(NotFound):
    code = "ballot_not_found"
    default_message = _("No such ballot.")


class BallotConfigInvalid(ValidationError):
    code = "ballot_config_invalid"
    default_message = _("This ballot is not set up correctly: %(reason)s")


class BallotNotOpen(Conflict):
    code = "ballot_not_open"
    default_message = _("This ballot is not open yet; voting opens on %(opens_at)s.")


class BallotClosed(Conflict):
    code = "ballot_closed"
    default_message = _("This ballot is closed; votes are no longer accepted.")


class BallotNotMember(PermissionDenied):
    code = "ballot_not_member"
    default_message = _("Only members of the cooperative may vote.")


class BallotNotElector(PermissionDenied):
    code = "ballot_admitted_after_opening"
    default_message = _(
        "You were not on the member register when this ballot opened, so you cannot vote on it."
    )


class BallotAlreadyVoted(Conflict):
    code = "ballot_already_voted"
    default_message = _("You have already voted on this secret ballot; the vote cannot be changed.")


class BallotResultsHidden(PermissionDenied):
    code = "ballot_results_hidden"
    default_message = _("The results are published when the ballot closes.")


class BallotStillOpen(Conflict):
    code = "ballot_still_open"
    default_message = _("This ballot has not closed yet.")


class BallotTooManyChoices(ValidationError):
    code = "ballot_too_many_choices"
    default_message = _("You chose more candidates than this ballot allows.")


class BallotDuplicateChoice(ValidationError):
    code = "ballot_duplicate_choice"
    default_message = _("The same candidate is chosen twice.")


class BallotDuplicateRanking(ValidationError):
    code = "ballot_duplicate_ranking"
    default_message = _("A candidate appears more than once in your ranking.")


class BallotUnknownCandidate(ValidationError):
    code = "ballot_unknown_candidate"
    default_message = _("Your ballot names a candidate who is not standing.")


class BallotEmpty(ValidationError):
    code = "ballot_empty"
    default_message = _("Your ballot is empty.")


class BallotInvalidChoice(ValidationError):
    code = "ballot_invalid_choice"
    default_message = _("Choose yes, no or abstain.")


class ReceiptInvalid(ValidationError):
    code = "receipt_invalid"
    default_message = _("This is not a receipt code.")


class ResolutionInvalid(ValidationError):
    code = "resolution_invalid"
    default_message = _(
        "A resolution needs a title, a source (ballot or assembly) and a reference."
    )


class ResolutionParameterIncomplete(ValidationError):
    code = "resolution_parameter_incomplete"
    default_message = _(
        "A parameter change needs the parameter, its value and the date it applies."
    )


# Map of the pure counting module's ballot codes to these errors (same stable codes).
TALLY_BALLOT_ERRORS: dict[str, type[ValidationError]] = {
    cls.code: cls
    for cls in (
        BallotTooManyChoices,
        BallotDuplicateChoice,
        BallotDuplicateRanking,
        BallotUnknownCandidate,
        BallotEmpty,
        BallotInvalidChoice,
    )
}


# --- General assemblies (engineer H4 appends below) -------------------------------------------


class AssemblyNotFound(NotFound):
    code = "assembly_not_found"
    default_message = _("No such general assembly.")


class AgendaItemNotFound(NotFound):
    code = "agenda_item_not_found"
    default_message = _("This assembly has no such item on its agenda.")


class AssemblyInvalid(ValidationError):
    code = "assembly_invalid"
    default_message = _("This assembly is not set up correctly: %(reason)s")


class AssemblyNoticeTooShort(ValidationError):
    code = "assembly_notice_too_short"
    default_message = _(
        "Members must be given %(days)s days' notice: the assembly can be held on %(earliest)s "
        "at the earliest."
    )


class AgendaItemInvalid(ValidationError):
    code = "agenda_item_invalid"
    default_message = _("An agenda item is not valid: %(reason)s")


class AgendaStatuteChangeInOrdinary(ValidationError):
    code = "agenda_statute_change_in_ordinary"
    default_message = _(
        "A statute change needs an extraordinary assembly; an ordinary one cannot vote on it."
    )


class AgendaLocked(Conflict):
    code = "agenda_locked"
    default_message = _(
        "The agenda can no longer change: members must get the full notice period and no "
        "postal vote may have been cast."
    )


class AssemblyWrongState(Conflict):
    code = "assembly_wrong_state"
    default_message = _("This cannot be done while the assembly is %(status)s.")


class AssemblyNotYet(Conflict):
    code = "assembly_not_yet"
    default_message = _("The assembly cannot open before %(starts_at)s.")


class SecondConvocationInvalid(Conflict):
    code = "second_convocation_invalid"
    default_message = _(
        "A second convocation follows a first convocation of the same kind that did not reach "
        "its quorum, and there is only one."
    )


class PostalVotingClosed(Conflict):
    code = "postal_voting_closed"
    default_message = _("Postal votes were accepted until %(cutoff)s.")


class AssemblyNotEligible(PermissionDenied):
    code = "assembly_not_eligible"
    default_message = _(
        "Only the members on the register when the assembly was convened take part in it."
    )


class ProxyHolderNotMember(ValidationError):
    code = "proxy_holder_not_member"
    default_message = _("A proxy can only be given to another member of the cooperative.")


class ProxyCapExceeded(Conflict):
    code = "proxy_cap_exceeded"
    default_message = _(
        "This member already holds %(cap)s proxies, the most anyone may hold in a cooperative of "
        "%(members)s members."
    )


class ProxyAlreadyGiven(Conflict):
    code = "proxy_already_given"
    default_message = _("You have already given a proxy for this assembly; revoke it first.")


class ProxyChain(Conflict):
    code = "proxy_chain"
    default_message = _(
        "A member who gives a proxy cannot hold any, and a proxy holder cannot give theirs."
    )


class ProxyNotFound(NotFound):
    code = "proxy_not_found"
    default_message = _("You have no proxy to revoke for this assembly.")


class ProxyGivenAlready(Conflict):
    code = "proxy_given"
    default_message = _(
        "You gave a proxy for this assembly: revoke it before voting by post yourself."
    )


class VotedByPost(Conflict):
    code = "voted_by_post"
    default_message = _(
        "You voted by post: your postal votes stand, so you cannot also give a proxy."
    )


class AssemblyAlreadyCheckedIn(Conflict):
    code = "assembly_already_checked_in"
    default_message = _("This member is already recorded as present.")


class AssemblyRemoteNotOffered(Conflict):
    code = "assembly_remote_not_offered"
    default_message = _("This assembly has no remote attendance; the board records who is present.")


class AssemblyNotCheckedIn(PermissionDenied):
    code = "assembly_not_checked_in"
    default_message = _("Check in to the assembly before voting.")


class AssemblyNoProxy(PermissionDenied):
    code = "assembly_no_proxy"
    default_message = _("You hold no proxy from this member.")


class AgendaItemNotOpen(Conflict):
    code = "agenda_item_not_open"
    default_message = _("This item is not open for voting.")


class AgendaItemStillOpen(Conflict):
    code = "agenda_item_still_open"
    default_message = _("Close the item being voted on first.")


class AssemblyAlreadyVoted(Conflict):
    code = "assembly_already_voted"
    default_message = _("This member has already voted on this item.")


class AssemblyVoteInvalid(ValidationError):
    code = "assembly_vote_invalid"
    default_message = _("Choose yes, no, abstain or blank.")


class CollegeWeightsInvalid(Conflict):
    code = "college_weights_invalid"
    default_message = _(
        "The college weights are not valid (each 10-50 %%, together 100 %%), so votes cannot be "
        "weighted."
    )


class AgendaApplicationInvalid(ValidationError):
    code = "agenda_application_invalid"
    default_message = _(
        "Only a pending application to this cooperative can be put to the assembly, and an item "
        "admits a member or sets a parameter, not both."
    )


class AssemblyAdmissionNotAdopted(Conflict):
    code = "assembly_admission_not_adopted"
    default_message = _("The assembly has not adopted this admission.")
