// SPDX-License-Identifier: GPL-2.0
/* The tracer's record decoder, VT-d descriptor decoding and formatting. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "trace_decode.h"
#include "trace_fixtures.h"

static void plain_record_decodes(void **state)
{
	struct iolu_event e = fixture_call(IOLU_OP_DOMAIN_PRESERVE, -61, 500);
	struct iolu_record record;

	(void)state;
	assert_int_equal(iolu_record_decode(&e, sizeof(e), &record), 0);
	assert_int_equal(record.event.op, IOLU_OP_DOMAIN_PRESERVE);
	assert_int_equal(record.event.ret, -61);
	assert_false(record.has_name);
}

static void named_record_is_cut_at_its_buffer(void **state)
{
	struct iolu_named_event ne;
	struct iolu_record record;

	(void)state;
	ne.event = fixture_call(IOLU_OP_SESSION_CREATE, 0, 10);
	ne.event.flags |= IOLU_EVF_NAME;
	memset(ne.name, 'x', sizeof(ne.name));	/* no NUL anywhere */
	assert_int_equal(iolu_record_decode(&ne, sizeof(ne), &record), 0);
	assert_true(record.has_name);
	assert_int_equal(strlen(record.name), IOLU_NAME_LEN);
}

static void bad_records_are_refused(void **state)
{
	struct iolu_named_event ne;
	struct iolu_event e = fixture_event(IOLU_OP_MAP);
	struct iolu_record record;

	(void)state;
	memset(&ne, 0, sizeof(ne));
	assert_int_equal(iolu_record_decode(NULL, sizeof(e), &record), -EINVAL);
	assert_int_equal(iolu_record_decode(&e, sizeof(e) - 1, &record), -EINVAL);
	assert_int_equal(iolu_record_decode(&e, 0, &record), -EINVAL);
	e.op = IOLU_OP_NONE;
	assert_int_equal(iolu_record_decode(&e, sizeof(e), &record), -EINVAL);
	e.op = IOLU_OP_COUNT;
	assert_int_equal(iolu_record_decode(&e, sizeof(e), &record), -EINVAL);
	e.op = 0xffff;
	assert_int_equal(iolu_record_decode(&e, sizeof(e), &record), -EINVAL);
	/* A name flag on a record too short to hold the name */
	e = fixture_event(IOLU_OP_SESSION_CREATE);
	e.flags |= IOLU_EVF_NAME;
	assert_int_equal(iolu_record_decode(&e, sizeof(e), &record), -EINVAL);
}

static void op_names_round_trip(void **state)
{
	unsigned int op;

	(void)state;
	for (op = 1; op < IOLU_OP_COUNT; op++) {
		assert_string_not_equal(iolu_op_name(op), "unknown");
		assert_int_equal(iolu_op_from_name(iolu_op_name(op)), (int)op);
	}
	assert_string_equal(iolu_op_name(0), "unknown");
	assert_string_equal(iolu_op_name(IOLU_OP_COUNT), "unknown");
	assert_int_equal(iolu_op_from_name("no_such_op"), -ENOENT);
	assert_int_equal(iolu_op_class_from_name("inval"), IOLU_CLASS_INVAL);
	assert_int_equal(iolu_op_class_from_name("bogus"), -ENOENT);
	assert_int_equal(iolu_op_class(IOLU_OP_QI_SUBMIT), IOLU_CLASS_INVAL);
	assert_int_equal(iolu_op_class(IOLU_OP_FILE_PRESERVE), IOLU_CLASS_LUO);
}

static void qi_descriptors_decode(void **state)
{
	struct iolu_qi_desc desc;
	uint64_t iotlb[4] = { 5ULL << 16 | 2 << 4 | 2, 0x1000 };
	uint64_t context[4] = { 0x18ULL << 32 | 7ULL << 16 | 3 << 4 | 1 };
	uint64_t pasid_cache[4] = { 0x12345ULL << 32 | 9ULL << 16 | 1 << 4 | 7 };
	uint64_t device_iotlb[4] = { 0x0100ULL << 32 | 3 };
	uint64_t pasid_dev_iotlb[4] = { 0x0208ULL << 32 | 8 };
	uint64_t wait[4] = { 1 << 5 | 5 };
	uint64_t high_type[4] = { 0x200 | 1 };	/* type 0x11: beyond the spec's list */

	(void)state;
	iolu_qi_decode(iotlb, &desc);
	assert_int_equal(desc.kind, IOLU_INVAL_IOTLB);
	assert_true(desc.has_did);
	assert_int_equal(desc.did, 5);
	assert_int_equal(desc.granularity, 2);
	assert_false(desc.has_sid);

	iolu_qi_decode(context, &desc);
	assert_int_equal(desc.kind, IOLU_INVAL_CONTEXT_CACHE);
	assert_int_equal(desc.did, 7);
	assert_true(desc.has_sid);
	assert_int_equal(desc.sid, 0x18);
	assert_int_equal(desc.granularity, 3);

	iolu_qi_decode(pasid_cache, &desc);
	assert_int_equal(desc.kind, IOLU_INVAL_PASID_CACHE);
	assert_int_equal(desc.did, 9);

	iolu_qi_decode(device_iotlb, &desc);
	assert_int_equal(desc.kind, IOLU_INVAL_DEVICE_IOTLB);
	assert_false(desc.has_did);
	assert_int_equal(desc.sid, 0x0100);

	iolu_qi_decode(pasid_dev_iotlb, &desc);
	assert_int_equal(desc.kind, IOLU_INVAL_PASID_DEVICE_IOTLB);
	assert_int_equal(desc.sid, 0x0208);

	iolu_qi_decode(wait, &desc);
	assert_int_equal(desc.kind, IOLU_INVAL_WAIT);
	assert_false(desc.has_did);

	iolu_qi_decode(high_type, &desc);
	assert_int_equal(desc.type, 0x11);
	assert_int_equal(desc.kind, IOLU_INVAL_OTHER);
	assert_string_equal(iolu_inval_kind_name(desc.kind), "other");
	assert_string_equal(iolu_inval_kind_name(IOLU_INVAL_KIND_COUNT), "unknown");
}

static void inval_kind_of_events(void **state)
{
	struct iolu_event e = fixture_iotlb(DOMAIN_A, 3);

	(void)state;
	assert_int_equal(iolu_event_inval_kind(&e), IOLU_INVAL_IOTLB);
	e = fixture_event(IOLU_OP_CACHE_FLUSH_NP);
	assert_int_equal(iolu_event_inval_kind(&e), IOLU_INVAL_CACHE_TAG);
	e = fixture_event(IOLU_OP_MAP);
	assert_int_equal(iolu_event_inval_kind(&e), -1);
}

static void sbdf_parses_and_formats(void **state)
{
	char text[16];
	uint32_t sbdf = 77;

	(void)state;
	assert_int_equal(iolu_parse_sbdf("0000:00:03.0", &sbdf), 0);
	assert_int_equal(sbdf, 0x18);
	assert_int_equal(iolu_parse_sbdf("00:1f.7", &sbdf), 0);
	assert_int_equal(sbdf, 0xff);
	assert_int_equal(iolu_parse_sbdf("abcd:ff:1f.7", &sbdf), 0);
	assert_int_equal(sbdf, 0xabcdffff);
	iolu_format_sbdf(sbdf, text, sizeof(text));
	assert_string_equal(text, "abcd:ff:1f.7");
	sbdf = 77;
	assert_int_equal(iolu_parse_sbdf("0000:00:20.0", &sbdf), -ERANGE);
	assert_int_equal(iolu_parse_sbdf("00:03.8", &sbdf), -ERANGE);
	assert_int_equal(iolu_parse_sbdf("10000:00:03.0", &sbdf), -ERANGE);
	assert_int_equal(iolu_parse_sbdf("00:03.0x", &sbdf), -EINVAL);
	assert_int_equal(iolu_parse_sbdf("edu", &sbdf), -EINVAL);
	assert_int_equal(iolu_parse_sbdf("", &sbdf), -EINVAL);
	assert_int_equal(sbdf, 77);
}

static void line_names_what_happened(void **state)
{
	struct iolu_record record = { 0 };
	char line[512];

	(void)state;
	record.event = fixture_on_domain(IOLU_OP_MAP, DOMAIN_A);
	record.event.ts_ns = 2500000000ULL;
	record.event.args[0] = 0x100000;
	record.event.args[1] = 0x7000;
	record.event.args[2] = 0x1000;
	assert_int_equal(iolu_format_record(&record, 1000000000ULL, line, sizeof(line)), 0);
	assert_non_null(strstr(line, "1.500000 map"));
	assert_non_null(strstr(line, "iova=0x100000 pa=0x7000 size=0x1000"));
	assert_non_null(strstr(line, "domain=0xffff888001000000"));
	assert_non_null(strstr(line, "comm=tester"));
	assert_null(strstr(line, "ret="));
	/* An event before the start (clock skew) is not shown as negative */
	assert_int_equal(iolu_format_record(&record, 3000000000ULL, line, sizeof(line)), 0);
	assert_non_null(strstr(line, "0.000000 map"));
}

/* A record made at a call's entry shows what was asked, not what happened. */
static void entry_records_leave_out_results(void **state)
{
	struct iolu_record record = { 0 };
	struct json_object *obj, *field;
	char line[512];

	(void)state;
	record.event = fixture_on_domain(IOLU_OP_UNMAP, DOMAIN_A);
	record.event.args[0] = 0x4200000;
	record.event.args[1] = 0x1000;
	assert_int_equal(iolu_format_record(&record, 0, line, sizeof(line)), 0);
	assert_non_null(strstr(line, "iova=0x4200000 size=0x1000 unmapped=0x0"));
	assert_null(strstr(line, "at=entry"));

	record.event.flags |= IOLU_EVF_ENTRY;
	assert_int_equal(iolu_format_record(&record, 0, line, sizeof(line)), 0);
	assert_non_null(strstr(line, " at=entry"));
	assert_non_null(strstr(line, "iova=0x4200000 size=0x1000"));
	assert_null(strstr(line, "unmapped"));
	obj = iolu_record_to_json(&record, 0);
	assert_non_null(obj);
	assert_true(json_object_object_get_ex(obj, "at_entry", &field));
	assert_true(json_object_get_boolean(field));
	assert_false(json_object_object_get_ex(obj, "unmapped", &field));
	assert_true(json_object_object_get_ex(obj, "size", &field));
	assert_int_equal(json_object_get_int64(field), 0x1000);
	json_object_put(obj);

	record.event = fixture_on_domain(IOLU_OP_CACHE_FLUSH, DOMAIN_A);
	record.event.flags |= IOLU_EVF_ENTRY;
	record.event.args[0] = 0x4200000;
	record.event.args[1] = 0x4200fff;
	record.event.args[3] = 1;	/* a device-TLB tag */
	assert_int_equal(iolu_format_record(&record, 0, line, sizeof(line)), 0);
	assert_non_null(strstr(line, "start=0x4200000 end=0x4200fff tag_type=1"));
	assert_null(strstr(line, "mask="));
	obj = iolu_record_to_json(&record, 0);
	assert_false(json_object_object_get_ex(obj, "addr", &field));
	assert_false(json_object_object_get_ex(obj, "mask", &field));
	assert_true(json_object_object_get_ex(obj, "tag_type", &field));
	assert_int_equal(json_object_get_int(field), 1);
	json_object_put(obj);
}

static void short_buffer_is_reported(void **state)
{
	struct iolu_record record = { 0 };
	char line[24];

	(void)state;
	record.event = fixture_iotlb(DOMAIN_A, 3);
	memset(line, 'z', sizeof(line));
	assert_int_equal(iolu_format_record(&record, 0, line, sizeof(line)), -ENOSPC);
	assert_int_equal(strlen(line), sizeof(line) - 1);
}

static void json_carries_identity(void **state)
{
	struct iolu_record record = { 0 };
	struct json_object *obj, *field;

	(void)state;
	record.event = fixture_call(IOLU_OP_DEVICE_PRESERVE, 0, 1234);
	record.event.flags |= IOLU_EVF_SBDF | IOLU_EVF_TOKEN | IOLU_EVF_OBJ_PA | IOLU_EVF_DID;
	record.event.sbdf = 0x18;
	record.event.token = 7;
	record.event.obj_pa = 0xba0040;
	record.event.did = 2;
	record.event.args[0] = 0xba0010;
	obj = iolu_record_to_json(&record, 0);
	assert_non_null(obj);
	assert_true(json_object_object_get_ex(obj, "op", &field));
	assert_string_equal(json_object_get_string(field), "device_preserve");
	assert_true(json_object_object_get_ex(obj, "device", &field));
	assert_string_equal(json_object_get_string(field), "0000:00:03.0");
	assert_true(json_object_object_get_ex(obj, "obj_pa", &field));
	assert_string_equal(json_object_get_string(field), "0xba0040");
	assert_true(json_object_object_get_ex(obj, "domain_obj_pa", &field));
	assert_string_equal(json_object_get_string(field), "0xba0010");
	assert_true(json_object_object_get_ex(obj, "token", &field));
	assert_int_equal(json_object_get_int64(field), 7);
	assert_true(json_object_object_get_ex(obj, "latency_ns", &field));
	assert_int_equal(json_object_get_int64(field), 1234);
	assert_false(json_object_object_get_ex(obj, "domain", &field));
	json_object_put(obj);
}

/* A boot trace event happened before tracing started: it says so. */
static void boot_records_are_before_the_start(void **state)
{
	struct iolu_record record = { 0 };
	struct json_object *obj, *field;
	char line[512];

	(void)state;
	record.event.op = IOLU_OP_UNIT_ADOPT;
	record.event.flags = IOLU_EVF_BOOT | IOLU_EVF_RET | IOLU_EVF_OBJ_PA;
	record.event.ts_ns = 3903766000ULL;
	record.event.obj_pa = 0x1d27010;
	record.event.args[0] = 0xfed90000;
	record.event.args[1] = 1;
	assert_int_equal(iolu_format_record(&record, 10000000000ULL, line, sizeof(line)), 0);
	assert_non_null(strstr(line, "-    6.096234 unit_adopt        boot ret=0"));
	assert_non_null(strstr(line, "obj=0x1d27010"));
	assert_non_null(strstr(line, "reg_base=0xfed90000 type=1"));
	obj = iolu_record_to_json(&record, 10000000000ULL);
	assert_true(json_object_object_get_ex(obj, "ts_ns", &field));
	assert_true(json_object_get_int64(field) == -6096234000LL);
	assert_true(json_object_object_get_ex(obj, "boot", &field));
	assert_true(json_object_get_boolean(field));
	json_object_put(obj);
	/* The state's counts come with the boot trace's state events */
	record.event.op = IOLU_OP_FLB_REJECT;
	record.event.ret = -22;
	record.event.args[0] = 1;
	record.event.args[1] = 2;
	record.event.args[2] = 3;
	assert_int_equal(iolu_format_record(&record, 0, line, sizeof(line)), 0);
	assert_non_null(strstr(line, "flb_reject        boot ret=-22"));
	assert_non_null(strstr(line, "units=1 domains=2 devices=3"));
}

static void json_names_the_session(void **state)
{
	struct iolu_record record = { 0 };
	struct json_object *obj, *field;

	(void)state;
	record.event = fixture_call(IOLU_OP_FILE_PRESERVE, -9, 1);
	record.has_name = true;
	strcpy(record.name, "iolu-lab \"quoted\"");
	obj = iolu_record_to_json(&record, 0);
	assert_true(json_object_object_get_ex(obj, "session", &field));
	assert_string_equal(json_object_get_string(field), "iolu-lab \"quoted\"");
	assert_true(json_object_object_get_ex(obj, "ret", &field));
	assert_int_equal(json_object_get_int(field), -9);
	json_object_put(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_record_decodes),
		cmocka_unit_test(named_record_is_cut_at_its_buffer),
		cmocka_unit_test(bad_records_are_refused),
		cmocka_unit_test(op_names_round_trip),
		cmocka_unit_test(qi_descriptors_decode),
		cmocka_unit_test(inval_kind_of_events),
		cmocka_unit_test(sbdf_parses_and_formats),
		cmocka_unit_test(line_names_what_happened),
		cmocka_unit_test(entry_records_leave_out_results),
		cmocka_unit_test(short_buffer_is_reported),
		cmocka_unit_test(json_carries_identity),
		cmocka_unit_test(json_names_the_session),
		cmocka_unit_test(boot_records_are_before_the_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
