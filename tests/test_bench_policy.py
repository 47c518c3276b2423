"""The policy benchmark's arms answer what they should before anything is timed (no timings here)."""

from bench import policy


def test_every_check_arm_allows_the_benchmarks_caller():
    for rule in policy.RULES.values():
        arms = policy.check_arms(rule)
        assert set(arms) == {"oslo enforce", "oslo authorize", "cravat authorize", "cravat compiled rule"}
        results = {name: arm() for name, arm in arms.items()}
        assert results["oslo enforce"] and results["oslo authorize"] and results["cravat compiled rule"]
        assert results["cravat authorize"] is None  # it raises to deny


def test_the_show_arms_answer_200_with_and_without_policy_and_the_rule_is_on_show():
    arms = policy.show_arms()  # it checks each app's answer to the request it times
    assert set(arms) == {"show, no policy", "show, policy"}
    impl = policy.policy_app(policy.N).compile().implementation(f"r{policy.N - 1}:show")
    assert impl.rule == f"r{policy.N - 1}:show"
    assert [s.name for s in impl.steps] == ["negotiate media type", "authorize", "call"]
