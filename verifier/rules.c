// SPDX-License-Identifier: GPL-2.0
/*
 * The rule table: every finding the library can report. The ids are a
 * stable interface (scripts filter on them); verifier/README.md lists them
 * with the same meanings.
 */
#include <string.h>

#include "iolu_verifier.h"

#define E IOLU_SEV_ERROR
#define W IOLU_SEV_WARNING
#define I IOLU_SEV_INFO

static const struct iolu_rule_info iolu_rule_table[] = {
	/* structure of the graph */
	{ "compatible-mismatch", E, "the header's compatible string is not \"" IOLU_COMPATIBLE "\"" },
	{ "header-reserved-nonzero", E, "a reserved field of the top-level header is not zero: the next kernel refuses the state" },
	{ "chain-unreadable", E, "a block of an object chain is not backed by readable memory" },
	{ "chain-misaligned", E, "a block address is not page aligned" },
	{ "chain-cycle", E, "an object chain reaches a block it already went through" },
	{ "chain-too-long", E, "an object chain has more blocks than kho_block_set_restore() accepts (10000)" },
	{ "block-count-invalid", E, "a block's entry count does not fit in its page" },
	{ "block-empty", E, "a block holds no entries (kho_block_set_restore() rejects it)" },
	{ "count-mismatch", E, "a count in the header differs from the live objects in its chain" },
	{ "index-duplicate", E, "two objects of one kind share an index" },
	{ "object-reserved-nonzero", E, "a reserved field of a live object is not zero: the next kernel refuses the state" },
	{ "object-flags-unknown", E, "an object, live or deleted, has flag bits the ABI does not define: the next kernel refuses the state" },
	{ "refcount-mismatch", E, "an object's reference count differs from its live referrers" },
	{ "device-domain-invalid", E, "a device's domain pointer is not a domain entry" },
	{ "device-unit-invalid", E, "a device's unit pointer is not a unit entry" },
	{ "deleted-referenced", E, "a live device points at a deleted domain or unit" },
	{ "rid-duplicate", E, "two live devices share a PCI segment and requester ID" },
	{ "unit-duplicate", E, "two live units share a type and register base" },
	{ "device-segment-mismatch", E, "a device's PCI segment differs from its unit's: another unit translates its requests" },
	{ "domain-id-reserved", E, "a live device's domain ID is 0 or 1 (reserved by the hardware and the VT-d driver) or wider than 16 bits" },
	{ "domain-id-conflict", E, "two live devices behind one unit use one domain ID for different domains" },
	{ "domain-id-split", E, "two live devices of one domain behind one unit use different domain IDs: the next kernel refuses the domain" },
	{ "domain-format-unsupported", E, "a live domain's page table is neither VT-d first stage nor second stage, the formats the next kernel restores" },
	{ "domain-format-invalid", E, "a domain's page table format, levels, aperture or address width is invalid" },
	/* preserved memory */
	{ "kho-map-invalid", E, "KHO's preserved-memory map cannot be walked" },
	{ "kho-map-absent", W, "no KHO preserved-memory map after kexec: memory rules not checked" },
	{ "kho-map-missing", E, "no KHO FDT before kexec: nothing shows the state preserved" },
	{ "graph-unpreserved", E, "the header or a chain block fails the next kernel's kho_is_preserved()" },
	{ "vtd-table-unpreserved", E, "a root, context or PASID table page is not a preserved block of exactly one page, or a PASID directory does not start a preserved block at least its size (the next kernel's kho_preserved_order())" },
	{ "pgtable-unpreserved", E, "an IO page table page of a domain is not a preserved block of exactly one page (the next kernel's kho_preserved_order())" },
	{ "pgtable-invalid", E, "a domain's IO page table cannot be walked (bad entry, unreadable page, table linked twice, over 2^20 table pages)" },
	{ "dma-target-unpreserved", E, "a domain maps RAM that is not preserved" },
	{ "dma-target-table", E, "a domain maps a page the state links as a table or block: its devices can rewrite it" },
	{ "dma-target-mmio", I, "a domain maps memory outside RAM (MMIO)" },
	{ "page-linked-twice", E, "a page is linked twice: by two objects, or in two roles (chain block, VT-d table, IO page table)" },
	/* the next kernel (check --next-kernel) */
	{ "next-kernel-rejects", E, "the next kernel's image does not list a format the state hands over (KHO, LUO, memfd, the IOMMU state, iommufd, vfio-pci)" },
	/* hardware view (VT-d) */
	{ "hw-unsupported", E, "the unit is not VT-d: the next kernel adopts only VT-d units (its tables are not checked)" },
	{ "unit-no-root-table", E, "a VT-d unit with preserved devices has no root table" },
	{ "hw-table-unreadable", E, "a root, context or PASID entry cannot be read" },
	{ "root-entry-absent", E, "the root entry for the device's bus is not present" },
	{ "context-entry-absent", E, "the device's context entry is not present" },
	{ "pasid-entry-absent", E, "the PASID directory or table entry of the device's RID_PASID is not present" },
	{ "hw-translation-invalid", E, "the entry's translation type does not translate with the domain's table" },
	{ "hw-pgtable-mismatch", E, "the entry's page table pointer is not the domain's preserved root" },
	{ "hw-domain-id-mismatch", E, "the entry's domain ID differs from the device's preserved one" },
	{ "hw-levels-mismatch", E, "the entry's address width differs from the domain's levels" },
	{ "vtd-entry-reserved", E, "a present root, context, PASID directory or PASID entry has reserved bits set" },
	{ "sm-context-unsupported", E, "a scalable-mode context entry's PASID directory size is not one the next kernel adopts (PDTS 2 to 7: 1 to 32 pages) or its RID_PASID is not 0" },
	/* comparison before/after kexec */
	{ "unit-vanished", E, "a unit preserved before kexec is missing after it" },
	{ "unit-appeared", I, "a unit exists after kexec that was not preserved before" },
	{ "unit-changed", E, "a matched unit's segment, root table or mode changed" },
	{ "device-vanished", E, "a device preserved before kexec is missing after it" },
	{ "device-appeared", I, "a device exists after kexec that was not preserved before" },
	{ "device-changed", E, "a matched device's token, domain ID or unit changed" },
	{ "domain-unmatched", E, "a domain's devices are not attached to one domain after kexec" },
	{ "domain-changed", E, "a matched domain's format, levels, aperture or width changed" },
	{ "domain-pgtable-moved", W, "a matched domain's page table root moved" },
	{ "extent-vanished", E, "an IOVA range mapped before kexec is unmapped after it" },
	{ "extent-appeared", W, "an IOVA range is mapped after kexec but was not before" },
	{ "extent-changed", E, "an IOVA range maps other physical memory or permissions after kexec" },
	{ "continuity-unwalked", E, "a matched domain's page table was not walked completely on one side: its IOVAs are not proven" },
	/* LUO's state: sessions, files, memfd folios */
	{ "luo-invalid", E, "LUO's sessions or files cannot be read as the next kernel reads them (compatible, chains, counts), or an iommufd record is malformed" },
	{ "memfd-invalid", E, "a preserved memfd's record or folio list cannot be read, a folio lies past the file's size, or it has seals memfd-v2 does not restore" },
	{ "memfd-folio-unpreserved", E, "a preserved memfd's folio fails the next kernel's kho_is_preserved(): memfd_luo_retrieve() fails (-EIO)" },
	{ "domain-no-session", E, "a live domain maps memory but no preserved iommufd names it: nothing ties its pages to a preserved memfd" },
	{ "dma-target-foreign", E, "a domain maps preserved memory that no memfd of the domain's session holds: the device would write into someone else's page" },
	{ "memfd-continuity-broken", E, "an IOVA range maps another memfd (session, token) or offset after kexec than before, or a page other than the one the memfd is restored into" },
};

#undef E
#undef W
#undef I

const struct iolu_rule_info *iolu_rules(size_t *nr_rules)
{
	*nr_rules = sizeof(iolu_rule_table) / sizeof(iolu_rule_table[0]);
	return iolu_rule_table;
}

const struct iolu_rule_info *iolu_rule_lookup(const char *id)
{
	size_t nr;
	const struct iolu_rule_info *rules = iolu_rules(&nr);

	for (size_t i = 0; i < nr; i++)
		if (!strcmp(rules[i].id, id))
			return &rules[i];
	return NULL;
}
