/* OIDs of the standard MIBs the printer profile reads (as arc lists). */
#ifndef GW_SNMP_MIB_H
#define GW_SNMP_MIB_H

/* SNMPv2-MIB system group */
#define MIB_SYS_DESCR 1, 3, 6, 1, 2, 1, 1, 1, 0
#define MIB_SYS_OBJECT_ID 1, 3, 6, 1, 2, 1, 1, 2, 0
#define MIB_SYS_UPTIME 1, 3, 6, 1, 2, 1, 1, 3, 0
#define MIB_SYS_NAME 1, 3, 6, 1, 2, 1, 1, 5, 0
#define MIB_SYS_LOCATION 1, 3, 6, 1, 2, 1, 1, 6, 0

/* IF-MIB ifTable columns, IP-MIB ipAddrTable */
#define MIB_IF_DESCR 1, 3, 6, 1, 2, 1, 2, 2, 1, 2
#define MIB_IF_TYPE 1, 3, 6, 1, 2, 1, 2, 2, 1, 3
#define MIB_IF_PHYS 1, 3, 6, 1, 2, 1, 2, 2, 1, 6
#define MIB_IF_OPER 1, 3, 6, 1, 2, 1, 2, 2, 1, 8
#define MIB_IP_ADDR_TABLE 1, 3, 6, 1, 2, 1, 4, 20, 1
#define MIB_IP_AD_IFINDEX 1, 3, 6, 1, 2, 1, 4, 20, 1, 2
#define MIB_IP_AD_MASK 1, 3, 6, 1, 2, 1, 4, 20, 1, 3

/* HOST-RESOURCES-MIB */
#define MIB_HR_DEVICE_ENTRY 1, 3, 6, 1, 2, 1, 25, 3, 2, 1
#define MIB_HR_DEVICE_TYPE 1, 3, 6, 1, 2, 1, 25, 3, 2, 1, 2
#define MIB_HR_DEVICE_DESCR 1, 3, 6, 1, 2, 1, 25, 3, 2, 1, 3
#define MIB_HR_DEVICE_STATUS 1, 3, 6, 1, 2, 1, 25, 3, 2, 1, 5
#define MIB_HR_DEVICE_PRINTER 1, 3, 6, 1, 2, 1, 25, 3, 1, 5
#define MIB_HR_PRINTER_ENTRY 1, 3, 6, 1, 2, 1, 25, 3, 5, 1
#define MIB_HR_PRINTER_STATUS 1, 3, 6, 1, 2, 1, 25, 3, 5, 1, 1
#define MIB_HR_PRINTER_ERRORS 1, 3, 6, 1, 2, 1, 25, 3, 5, 1, 2

/* Printer-MIB (RFC 3805) */
#define MIB_PRT 1, 3, 6, 1, 2, 1, 43
#define MIB_PRT_GENERAL 1, 3, 6, 1, 2, 1, 43, 5, 1, 1
#define MIB_PRT_GEN_LOCALIZATION 1, 3, 6, 1, 2, 1, 43, 5, 1, 1, 2
#define MIB_PRT_GEN_NAME 1, 3, 6, 1, 2, 1, 43, 5, 1, 1, 16
#define MIB_PRT_GEN_SERIAL 1, 3, 6, 1, 2, 1, 43, 5, 1, 1, 17
#define MIB_PRT_COVER 1, 3, 6, 1, 2, 1, 43, 6, 1, 1
#define MIB_PRT_LOCALIZATION 1, 3, 6, 1, 2, 1, 43, 7, 1, 1
#define MIB_PRT_LOC_CHARSET 1, 3, 6, 1, 2, 1, 43, 7, 1, 1, 4
#define MIB_PRT_INPUT 1, 3, 6, 1, 2, 1, 43, 8, 2, 1
#define MIB_PRT_MARKER 1, 3, 6, 1, 2, 1, 43, 10, 2, 1
#define MIB_PRT_SUPPLIES 1, 3, 6, 1, 2, 1, 43, 11, 1, 1
#define MIB_PRT_COLORANT 1, 3, 6, 1, 2, 1, 43, 12, 1, 1
#define MIB_PRT_CONSOLE_TEXT 1, 3, 6, 1, 2, 1, 43, 16, 5, 1, 2
#define MIB_PRT_CONSOLE_LIGHT 1, 3, 6, 1, 2, 1, 43, 17, 6, 1
#define MIB_PRT_ALERT 1, 3, 6, 1, 2, 1, 43, 18, 1, 1

/* Job Monitoring MIB (RFC 2707) */
#define MIB_JM_JOB 1, 3, 6, 1, 4, 1, 2699, 1, 1, 1, 3, 1, 1
#define MIB_JM_ATTR 1, 3, 6, 1, 4, 1, 2699, 1, 1, 1, 4, 1, 1
#define MIB_JM_ATTR_INT 1, 3, 6, 1, 4, 1, 2699, 1, 1, 1, 4, 1, 1, 3
#define MIB_JM_ATTR_OCTETS 1, 3, 6, 1, 4, 1, 2699, 1, 1, 1, 4, 1, 1, 4
#define MIB_PWG_1284_ID 1, 3, 6, 1, 4, 1, 2699, 1, 2, 1, 2, 1, 1, 3, 1

/* Epson private (enterprise 1248) */
#define MIB_EPSON 1, 3, 6, 1, 4, 1, 1248
#define MIB_EPSON_1284_ID 1, 3, 6, 1, 4, 1, 1248, 1, 2, 2, 1, 1, 1, 1, 1
#define MIB_EPSON_STATUS 1, 3, 6, 1, 4, 1, 1248, 1, 2, 2, 1, 1, 1, 4, 1
#define MIB_EPSON_FW_TABLE 1, 3, 6, 1, 4, 1, 1248, 1, 2, 2, 2, 1, 1
#define MIB_EPSON_COUNTERS 1, 3, 6, 1, 4, 1, 1248, 1, 2, 2, 27, 1, 1
#define MIB_EPSON_COUNTERS_SRC 1, 3, 6, 1, 4, 1, 1248, 1, 2, 2, 27, 6, 1
#define MIB_EPSON_CTRL 1, 3, 6, 1, 4, 1, 1248, 1, 2, 2, 44, 1, 1, 2, 1

#endif
