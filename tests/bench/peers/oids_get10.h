/*
 * The fixed "get10" workload of the SNMP engine benchmarks: one GET of these
 * ten objects (Host Resources MIB, RFC 2790, and Printer-MIB, RFC 3805, all
 * for printer/device index 1). oids-get10.txt holds the same list for the
 * other harnesses, our engine's benchmark among them; keep the two in step.
 *
 * The "bulk10" workload is one GETBULK, non-repeaters 0, max-repetitions 10,
 * from BENCH_BULK10_OID (prtMarkerSuppliesEntry): a walk of the supplies
 * table, which holds at least 10 objects on every simulated printer model.
 */
#ifndef BENCH_OIDS_GET10_H
#define BENCH_OIDS_GET10_H

static const char *const bench_get10_oids[10] = {
	"1.3.6.1.2.1.25.3.2.1.5.1",    /* hrDeviceStatus.1 */
	"1.3.6.1.2.1.25.3.2.1.3.1",    /* hrDeviceDescr.1 */
	"1.3.6.1.2.1.25.3.5.1.1.1",    /* hrPrinterStatus.1 */
	"1.3.6.1.2.1.25.3.5.1.2.1",    /* hrPrinterDetectedErrorState.1 */
	"1.3.6.1.2.1.43.5.1.1.16.1",   /* prtGeneralPrinterName.1 */
	"1.3.6.1.2.1.43.5.1.1.17.1",   /* prtGeneralSerialNumber.1 */
	"1.3.6.1.2.1.43.10.2.1.4.1.1", /* prtMarkerLifeCount.1.1 */
	"1.3.6.1.2.1.43.11.1.1.8.1.1", /* prtMarkerSuppliesMaxCapacity.1.1 */
	"1.3.6.1.2.1.43.11.1.1.9.1.1", /* prtMarkerSuppliesLevel.1.1 */
	"1.3.6.1.2.1.43.16.5.1.2.1.1", /* prtConsoleDisplayBufferText.1.1 */
};

#define BENCH_BULK10_OID "1.3.6.1.2.1.43.11.1.1" /* prtMarkerSuppliesEntry */
#define BENCH_BULK10_MAXREP 10

#endif
