// SPDX-License-Identifier: GPL-2.0
/* The tracer's live rules, fed event sequences as a live update makes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "trace_fixtures.h"
#include "trace_rules.h"

static int feed(struct trace_rules *rules, struct iolu_event e, enum iolu_rule *rule)
{
	struct trace_finding finding;
	int flagged;

	memset(&finding, 0, sizeof(finding));
	flagged = trace_rules_feed(rules, &e, &finding);
	if (flagged) {
		assert_non_null(strstr(finding.message, iolu_rule_name(finding.rule)));
		if (rule)
			*rule = finding.rule;
	}
	return flagged;
}

static struct iolu_event domain_call(unsigned int op, uint64_t domain, int ret)
{
	struct iolu_event e = fixture_call(op, ret, 100);

	e.domain = domain;
	e.flags |= IOLU_EVF_DOMAIN;
	return e;
}

static struct iolu_event device_preserve(uint64_t domain, uint64_t domain_obj_pa,
					 uint32_t did, int ret)
{
	struct iolu_event e = domain_call(IOLU_OP_DEVICE_PRESERVE, domain, ret);

	e.sbdf = 0x18;
	e.did = did;
	e.args[0] = domain_obj_pa;
	e.flags |= IOLU_EVF_SBDF | IOLU_EVF_DID;
	return e;
}

static void map_after_preserve_is_flagged(void **state)
{
	struct trace_rules rules;
	enum iolu_rule rule = IOLU_RULE_COUNT;

	(void)state;
	trace_rules_init(&rules);
	assert_int_equal(feed(&rules, fixture_on_domain(IOLU_OP_MAP, DOMAIN_A), NULL), 0);
	assert_int_equal(feed(&rules, domain_call(IOLU_OP_DOMAIN_PRESERVE, DOMAIN_A, 0), NULL), 0);
	assert_true(trace_rules_domain_preserved(&rules, DOMAIN_A));
	assert_int_equal(feed(&rules, fixture_on_domain(IOLU_OP_MAP, DOMAIN_A), &rule), 1);
	assert_int_equal(rule, IOLU_RULE_CHANGED_AFTER_PRESERVE);
	assert_int_equal(feed(&rules, fixture_on_domain(IOLU_OP_UNMAP, DOMAIN_A), NULL), 1);
	/* Another domain may change */
	assert_int_equal(feed(&rules, fixture_on_domain(IOLU_OP_MAP, DOMAIN_B), NULL), 0);
	assert_int_equal(rules.findings[IOLU_RULE_CHANGED_AFTER_PRESERVE], 2);
}

static void unpreserved_domain_may_change(void **state)
{
	struct trace_rules rules;

	(void)state;
	trace_rules_init(&rules);
	feed(&rules, domain_call(IOLU_OP_DOMAIN_PRESERVE, DOMAIN_A, 0), NULL);
	/* A failed unpreserve leaves it preserved */
	feed(&rules, domain_call(IOLU_OP_DOMAIN_UNPRESERVE, DOMAIN_A, -16), NULL);
	assert_true(trace_rules_domain_preserved(&rules, DOMAIN_A));
	feed(&rules, domain_call(IOLU_OP_DOMAIN_UNPRESERVE, DOMAIN_A, 0), NULL);
	assert_false(trace_rules_domain_preserved(&rules, DOMAIN_A));
	assert_int_equal(feed(&rules, fixture_on_domain(IOLU_OP_MAP, DOMAIN_A), NULL), 0);
	/* A failed preserve never made it preserved */
	assert_int_equal(feed(&rules, domain_call(IOLU_OP_DOMAIN_PRESERVE, DOMAIN_B, -12), NULL), 1);
	assert_int_equal(feed(&rules, fixture_on_domain(IOLU_OP_MAP, DOMAIN_B), NULL), 0);
}

static void invalidation_by_domain_id_is_flagged(void **state)
{
	struct trace_rules rules;
	struct iolu_event wait = fixture_event(IOLU_OP_QI_SUBMIT);
	enum iolu_rule rule = IOLU_RULE_COUNT;

	(void)state;
	trace_rules_init(&rules);
	assert_int_equal(feed(&rules, device_preserve(DOMAIN_A, 0xba0010, 4, 0), NULL), 0);
	/* The device's domain is now known preserved, by address and by DID */
	assert_true(trace_rules_domain_preserved(&rules, DOMAIN_A));
	assert_int_equal(feed(&rules, fixture_iotlb(0, 4), &rule), 1);
	assert_int_equal(rule, IOLU_RULE_CHANGED_AFTER_PRESERVE);
	assert_int_equal(feed(&rules, fixture_iotlb(0, 5), NULL), 0);
	/* A wait descriptor changes nothing */
	wait.args[0] = 5;
	wait.did = 4;
	wait.flags |= IOLU_EVF_DID;
	assert_int_equal(feed(&rules, wait, NULL), 0);
}

static void device_without_preserved_domain_is_flagged(void **state)
{
	struct trace_rules rules;
	enum iolu_rule rule = IOLU_RULE_COUNT;

	(void)state;
	trace_rules_init(&rules);
	assert_int_equal(feed(&rules, device_preserve(DOMAIN_B, 0, 1, 0), &rule), 1);
	assert_int_equal(rule, IOLU_RULE_DEVICE_DOMAIN_NOT_PRESERVED);
	/* Refused by the kernel: a failed preserve, not this rule */
	assert_int_equal(feed(&rules, device_preserve(DOMAIN_B, 0, 1, -2), &rule), 1);
	assert_int_equal(rule, IOLU_RULE_PRESERVE_FAILED);
	/* Known preserved from its own event: fine */
	feed(&rules, domain_call(IOLU_OP_DOMAIN_PRESERVE, DOMAIN_A, 0), NULL);
	assert_int_equal(feed(&rules, device_preserve(DOMAIN_A, 0, 1, 0), NULL), 0);
	assert_int_equal(rules.findings[IOLU_RULE_DEVICE_DOMAIN_NOT_PRESERVED], 1);
}

static void failures_of_preserve_and_restore_only(void **state)
{
	static const unsigned int flagged[] = {
		IOLU_OP_DOMAIN_PRESERVE, IOLU_OP_UNIT_PRESERVE, IOLU_OP_FLB_PRESERVE,
		IOLU_OP_FILE_PRESERVE, IOLU_OP_DOMAIN_RESTORE, IOLU_OP_FLB_RETRIEVE,
		IOLU_OP_FILE_RETRIEVE, IOLU_OP_SESSION_RETRIEVE,
	};
	static const unsigned int not_flagged[] = {
		IOLU_OP_DOMAIN_UNPRESERVE, IOLU_OP_SESSION_CREATE, IOLU_OP_SESSION_FINISH,
		IOLU_OP_LUO_REBOOT, IOLU_OP_DEVICE_FIND,
	};
	struct trace_rules rules;
	size_t i;

	(void)state;
	trace_rules_init(&rules);
	for (i = 0; i < sizeof(flagged) / sizeof(flagged[0]); i++)
		assert_int_equal(feed(&rules, fixture_call(flagged[i], -22, 1), NULL), 1);
	for (i = 0; i < sizeof(not_flagged) / sizeof(not_flagged[0]); i++)
		assert_int_equal(feed(&rules, fixture_call(not_flagged[i], -22, 1), NULL), 0);
	/* No return value, no failure */
	assert_int_equal(feed(&rules, fixture_event(IOLU_OP_DOMAIN_PRESERVE), NULL), 0);
	assert_int_equal(rules.findings[IOLU_RULE_PRESERVE_FAILED],
			 sizeof(flagged) / sizeof(flagged[0]));
}

static void faults_count_inside_the_window(void **state)
{
	struct trace_rules rules;
	struct iolu_event fault = fixture_on_domain(IOLU_OP_FAULT, DOMAIN_A);
	enum iolu_rule rule = IOLU_RULE_COUNT;

	(void)state;
	trace_rules_init(&rules);
	assert_int_equal(feed(&rules, fault, NULL), 0);
	assert_false(rules.window_open);
	feed(&rules, fixture_call(IOLU_OP_FLB_PRESERVE, 0, 1), NULL);
	assert_true(rules.window_open);
	assert_int_equal(feed(&rules, fault, &rule), 1);
	assert_int_equal(rule, IOLU_RULE_FAULT_IN_WINDOW);
	feed(&rules, fixture_event(IOLU_OP_FLB_UNPRESERVE), NULL);
	assert_false(rules.window_open);
	assert_int_equal(feed(&rules, fault, NULL), 0);
	/* The next kernel: from the retrieve to the finish */
	feed(&rules, fixture_call(IOLU_OP_SESSION_RETRIEVE, 0, 1), NULL);
	assert_int_equal(feed(&rules, fault, NULL), 1);
	feed(&rules, fixture_call(IOLU_OP_SESSION_FINISH, 0, 1), NULL);
	assert_int_equal(feed(&rules, fault, NULL), 0);
	assert_int_equal(rules.findings[IOLU_RULE_FAULT_IN_WINDOW], 2);
}

static void flb_unpreserve_forgets_domains(void **state)
{
	struct trace_rules rules;

	(void)state;
	trace_rules_init(&rules);
	feed(&rules, device_preserve(DOMAIN_A, 0xba0010, 4, 0), NULL);
	feed(&rules, fixture_event(IOLU_OP_FLB_UNPRESERVE), NULL);
	assert_false(trace_rules_domain_preserved(&rules, DOMAIN_A));
	assert_int_equal(feed(&rules, fixture_iotlb(0, 4), NULL), 0);
}

static void many_domains_overflow_safely(void **state)
{
	struct trace_rules rules;
	uint64_t domain;

	(void)state;
	trace_rules_init(&rules);
	for (domain = 1; domain <= IOLU_MAX_PRESERVED_DOMAINS + 10; domain++)
		feed(&rules, domain_call(IOLU_OP_DOMAIN_PRESERVE, domain << 12, 0), NULL);
	assert_int_equal(rules.nr_domains, IOLU_MAX_PRESERVED_DOMAINS);
	assert_int_equal(rules.overflow, 10);
	/* Preserving the same domain twice keeps one entry */
	trace_rules_init(&rules);
	feed(&rules, domain_call(IOLU_OP_DOMAIN_PRESERVE, DOMAIN_A, 0), NULL);
	feed(&rules, domain_call(IOLU_OP_DOMAIN_PRESERVE, DOMAIN_A, 0), NULL);
	assert_int_equal(rules.nr_domains, 1);
	assert_string_equal(iolu_rule_name(IOLU_RULE_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(map_after_preserve_is_flagged),
		cmocka_unit_test(unpreserved_domain_may_change),
		cmocka_unit_test(invalidation_by_domain_id_is_flagged),
		cmocka_unit_test(device_without_preserved_domain_is_flagged),
		cmocka_unit_test(failures_of_preserve_and_restore_only),
		cmocka_unit_test(faults_count_inside_the_window),
		cmocka_unit_test(flb_unpreserve_forgets_domains),
		cmocka_unit_test(many_domains_overflow_safely),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
