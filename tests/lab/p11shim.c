/*
 * PKCS#11 shim of the test lab: makes a SoftHSM2 token behave like a CPS card behind the
 * Cryptolib middleware (see tests/lab/p11shim.py, which compiles it for each virtual card).
 *
 * - The user PIN locks after SHIM_MAX_TRIES wrong PINs. The try counter lives in the file
 *   SHIM_STATE_FILE, so that every process sees the same counter, as with a real card;
 *   C_GetTokenInfo reports CKF_USER_PIN_COUNT_LOW / _FINAL_TRY / _LOCKED from it.
 *   C_InitPIN (the SO unblocking the card) resets it.
 * - With SHIM_PIN_PAD_PIN defined, the token has a protected authentication path (a reader
 *   with a keypad): C_Login with a NULL PIN logs in with that PIN.
 * - While the file SHIM_REMOVED_MARKER exists the card is out of the reader. Every process
 *   closes all its sessions the first time it sees the card out, or sees that the counter
 *   in SHIM_REMOVALS_FILE (incremented on each removal) changed, so that sessions opened
 *   before a removal stay invalid after the card is back.
 *
 * Exports C_GetFunctionList only (no C_GetInterface: callers use the v2.40 function list).
 * Writes nothing on stdout or stderr.
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#ifndef SHIM_REAL_MODULE
#error "SHIM_REAL_MODULE (path of the wrapped PKCS#11 module) must be defined"
#endif
#ifndef SHIM_STATE_FILE
#error "SHIM_STATE_FILE (path of the PIN try counter) must be defined"
#endif
#ifndef SHIM_REMOVED_MARKER
#error "SHIM_REMOVED_MARKER (path of the card-removed marker) must be defined"
#endif
#ifndef SHIM_REMOVALS_FILE
#error "SHIM_REMOVALS_FILE (path of the removal counter) must be defined"
#endif
#ifndef SHIM_MAX_TRIES
#define SHIM_MAX_TRIES 3
#endif

/* ---- The few PKCS#11 types and constants used (Linux: CK_ULONG is unsigned long). ---- */

typedef unsigned long CK_ULONG;
typedef CK_ULONG CK_RV;
typedef CK_ULONG CK_FLAGS;
typedef CK_ULONG CK_SLOT_ID;
typedef CK_ULONG CK_SESSION_HANDLE;
typedef CK_ULONG CK_USER_TYPE;
typedef CK_ULONG CK_OBJECT_HANDLE;
typedef unsigned char CK_BBOOL;
typedef unsigned char CK_BYTE;
typedef unsigned char CK_UTF8CHAR;
typedef struct CK_MECHANISM CK_MECHANISM; /* only passed through */
typedef struct CK_ATTRIBUTE CK_ATTRIBUTE; /* only passed through */
typedef CK_RV (*CK_NOTIFY)(CK_SESSION_HANDLE, CK_ULONG, void *);

typedef struct {
    CK_BYTE major;
    CK_BYTE minor;
} CK_VERSION;

typedef struct { /* the leading fields of CK_SLOT_INFO */
    CK_UTF8CHAR slotDescription[64];
    CK_UTF8CHAR manufacturerID[32];
    CK_FLAGS flags;
} SLOT_INFO_HEAD;

typedef struct { /* the leading fields of CK_TOKEN_INFO */
    CK_UTF8CHAR label[32];
    CK_UTF8CHAR manufacturerID[32];
    CK_UTF8CHAR model[16];
    CK_UTF8CHAR serialNumber[16];
    CK_FLAGS flags;
} TOKEN_INFO_HEAD;

typedef struct {
    CK_SLOT_ID slotID;
    CK_ULONG state;
    CK_FLAGS flags;
    CK_ULONG ulDeviceError;
} CK_SESSION_INFO;

_Static_assert(offsetof(SLOT_INFO_HEAD, flags) == 96, "CK_SLOT_INFO layout");
_Static_assert(offsetof(TOKEN_INFO_HEAD, flags) == 96, "CK_TOKEN_INFO layout");

#define CKR_OK 0x000UL
#define CKR_GENERAL_ERROR 0x005UL
#define CKR_ARGUMENTS_BAD 0x007UL
#define CKR_DEVICE_REMOVED 0x032UL
#define CKR_PIN_INCORRECT 0x0A0UL
#define CKR_PIN_LOCKED 0x0A4UL
#define CKR_TOKEN_NOT_PRESENT 0x0E0UL
#define CKR_USER_ALREADY_LOGGED_IN 0x100UL

#define CKU_USER 1UL
#define CKU_CONTEXT_SPECIFIC 2UL
#define CKS_RW_SO_FUNCTIONS 4UL

#define CKF_TOKEN_PRESENT 0x00000001UL
#define CKF_PROTECTED_AUTHENTICATION_PATH 0x00000100UL
#define CKF_USER_PIN_COUNT_LOW 0x00010000UL
#define CKF_USER_PIN_FINAL_TRY 0x00020000UL
#define CKF_USER_PIN_LOCKED 0x00040000UL

/* CK_FUNCTION_LIST (v2.40): the version, then 68 function pointers in this order. */
enum {
    F_Initialize, F_Finalize, F_GetInfo, F_GetFunctionList, F_GetSlotList, F_GetSlotInfo,
    F_GetTokenInfo, F_GetMechanismList, F_GetMechanismInfo, F_InitToken, F_InitPIN, F_SetPIN,
    F_OpenSession, F_CloseSession, F_CloseAllSessions, F_GetSessionInfo, F_GetOperationState,
    F_SetOperationState, F_Login, F_Logout, F_CreateObject, F_CopyObject, F_DestroyObject,
    F_GetObjectSize, F_GetAttributeValue, F_SetAttributeValue, F_FindObjectsInit, F_FindObjects,
    F_FindObjectsFinal, F_EncryptInit, F_Encrypt, F_EncryptUpdate, F_EncryptFinal,
    F_DecryptInit, F_Decrypt, F_DecryptUpdate, F_DecryptFinal, F_DigestInit, F_Digest,
    F_DigestUpdate, F_DigestKey, F_DigestFinal, F_SignInit, F_Sign, F_SignUpdate, F_SignFinal,
    F_SignRecoverInit, F_SignRecover, F_VerifyInit, F_Verify, F_VerifyUpdate, F_VerifyFinal,
    F_VerifyRecoverInit, F_VerifyRecover, F_DigestEncryptUpdate, F_DecryptDigestUpdate,
    F_SignEncryptUpdate, F_DecryptVerifyUpdate, F_GenerateKey, F_GenerateKeyPair, F_WrapKey,
    F_UnwrapKey, F_DeriveKey, F_SeedRandom, F_GenerateRandom, F_GetFunctionStatus,
    F_CancelFunction, F_WaitForSlotEvent,
    F_COUNT
};
_Static_assert(F_SignInit == 42 && F_Sign == 43 && F_WaitForSlotEvent == 67, "v2.40 order");

typedef void (*any_fn)(void); /* converts to and from any function pointer type */

typedef struct {
    CK_VERSION version;
    any_fn fn[F_COUNT];
} FUNCTION_LIST;
_Static_assert(sizeof(FUNCTION_LIST) == 8 + 68 * sizeof(void *), "CK_FUNCTION_LIST layout");

typedef CK_RV (*GetFunctionList_t)(FUNCTION_LIST **);
typedef CK_RV (*Initialize_t)(void *);
typedef CK_RV (*GetSlotList_t)(CK_BBOOL, CK_SLOT_ID *, CK_ULONG *);
typedef CK_RV (*GetSlotInfo_t)(CK_SLOT_ID, SLOT_INFO_HEAD *);
typedef CK_RV (*GetTokenInfo_t)(CK_SLOT_ID, TOKEN_INFO_HEAD *);
typedef CK_RV (*GetMechanismList_t)(CK_SLOT_ID, CK_ULONG *, CK_ULONG *);
typedef CK_RV (*GetMechanismInfo_t)(CK_SLOT_ID, CK_ULONG, void *);
typedef CK_RV (*InitPIN_t)(CK_SESSION_HANDLE, CK_UTF8CHAR *, CK_ULONG);
typedef CK_RV (*SetPIN_t)(CK_SESSION_HANDLE, CK_UTF8CHAR *, CK_ULONG, CK_UTF8CHAR *, CK_ULONG);
typedef CK_RV (*OpenSession_t)(CK_SLOT_ID, CK_FLAGS, void *, CK_NOTIFY, CK_SESSION_HANDLE *);
typedef CK_RV (*CloseAllSessions_t)(CK_SLOT_ID);
typedef CK_RV (*GetSessionInfo_t)(CK_SESSION_HANDLE, CK_SESSION_INFO *);
typedef CK_RV (*Login_t)(CK_SESSION_HANDLE, CK_USER_TYPE, CK_UTF8CHAR *, CK_ULONG);
typedef CK_RV (*GetAttributeValue_t)(CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_ATTRIBUTE *,
                                     CK_ULONG);
typedef CK_RV (*FindObjectsInit_t)(CK_SESSION_HANDLE, CK_ATTRIBUTE *, CK_ULONG);
typedef CK_RV (*FindObjects_t)(CK_SESSION_HANDLE, CK_OBJECT_HANDLE *, CK_ULONG, CK_ULONG *);
typedef CK_RV (*OperationInit_t)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE);
typedef CK_RV (*OneShot_t)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*Update_t)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG);
typedef CK_RV (*Final_t)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG *);

#define REAL(name) ((name##_t)real_list->fn[F_##name])

/* ---- State ---- */

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t state_mutex = PTHREAD_MUTEX_INITIALIZER;
static FUNCTION_LIST *real_list;
static FUNCTION_LIST shim_list;
static int saw_removed;     /* this process has seen the card out (and closed its sessions) */
static long seen_removals;  /* the removal counter this process last saw */

static int card_out(void) { return access(SHIM_REMOVED_MARKER, F_OK) == 0; }

/* A small decimal number from a file; 0 when the file is missing or empty. */
static long read_number_fd(int fd) {
    char buffer[32];
    ssize_t length = pread(fd, buffer, sizeof buffer - 1, 0);
    if (length <= 0) return 0;
    buffer[length] = '\0';
    return strtol(buffer, NULL, 10);
}

static long read_number(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    long value = read_number_fd(fd);
    close(fd);
    return value;
}

static void close_all_sessions(void) {
    CK_ULONG count = 0;
    if (REAL(GetSlotList)(0, NULL, &count) != CKR_OK || count == 0) return;
    CK_SLOT_ID *slots = calloc(count, sizeof *slots);
    if (slots == NULL) return;
    if (REAL(GetSlotList)(0, slots, &count) == CKR_OK) {
        for (CK_ULONG i = 0; i < count; i++) REAL(CloseAllSessions)(slots[i]);
    }
    free(slots);
}

/* Whether the card is out of the reader; closes this process's sessions, once, after a
 * removal (whether or not this process saw the card out). */
static int card_removed(void) {
    int out = card_out();
    long removals = read_number(SHIM_REMOVALS_FILE);
    pthread_mutex_lock(&state_mutex);
    if ((out && !saw_removed) || removals != seen_removals) close_all_sessions();
    saw_removed = out;
    seen_removals = removals;
    pthread_mutex_unlock(&state_mutex);
    return out;
}

/* The PIN try counter, shared between processes: open and lock it (under state_mutex). */
static int tries_open(long *tries) {
    int fd = open(SHIM_STATE_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    *tries = 0;
    if (fd < 0) return -1;
    if (flock(fd, LOCK_EX) != 0) {
        close(fd);
        return -1;
    }
    *tries = read_number_fd(fd);
    if (*tries < 0) *tries = 0;
    return fd;
}

static void tries_write(int fd, long tries) {
    char buffer[32];
    int length = snprintf(buffer, sizeof buffer, "%ld\n", tries);
    if (fd < 0 || length <= 0) return;
    if (pwrite(fd, buffer, (size_t)length, 0) == length) {
        if (ftruncate(fd, length) != 0) return;
    }
}

static void tries_close(int fd) {
    if (fd >= 0) close(fd); /* also releases the flock */
}

static long tries_used(void) {
    long tries;
    pthread_mutex_lock(&state_mutex);
    tries_close(tries_open(&tries));
    pthread_mutex_unlock(&state_mutex);
    return tries;
}

/* Counts the outcome `rv` of a user PIN check made while the card was not locked. */
static CK_RV counted(int fd, long tries, CK_RV rv) {
    if (rv == CKR_PIN_INCORRECT) {
        tries_write(fd, tries + 1);
        if (tries + 1 >= SHIM_MAX_TRIES) return CKR_PIN_LOCKED;
    } else if ((rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) && tries != 0) {
        tries_write(fd, 0);
    }
    return rv;
}

/* ---- Replaced functions ---- */

static CK_RV shim_GetFunctionList(FUNCTION_LIST **list);

static CK_RV shim_Initialize(void *args) {
    CK_RV rv = REAL(Initialize)(args);
    if (rv == CKR_OK) {
        pthread_mutex_lock(&state_mutex);
        saw_removed = card_out();
        seen_removals = read_number(SHIM_REMOVALS_FILE);
        pthread_mutex_unlock(&state_mutex);
    }
    return rv;
}

static CK_RV shim_GetSlotList(CK_BBOOL token_present, CK_SLOT_ID *slots, CK_ULONG *count) {
    if (token_present && card_removed()) {
        if (count == NULL) return CKR_ARGUMENTS_BAD;
        *count = 0;
        return CKR_OK;
    }
    return REAL(GetSlotList)(token_present, slots, count);
}

static CK_RV shim_GetSlotInfo(CK_SLOT_ID slot, SLOT_INFO_HEAD *info) {
    int out = card_removed();
    CK_RV rv = REAL(GetSlotInfo)(slot, info);
    if (rv == CKR_OK && out) info->flags &= ~CKF_TOKEN_PRESENT;
    return rv;
}

static CK_RV shim_GetTokenInfo(CK_SLOT_ID slot, TOKEN_INFO_HEAD *info) {
    if (card_removed()) return CKR_TOKEN_NOT_PRESENT;
    CK_RV rv = REAL(GetTokenInfo)(slot, info);
    if (rv != CKR_OK) return rv;
    long tries = tries_used();
    CK_FLAGS flags = info->flags;
    flags &= ~(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED);
    if (tries >= SHIM_MAX_TRIES) {
        flags |= CKF_USER_PIN_LOCKED;
    } else if (tries == SHIM_MAX_TRIES - 1) {
        flags |= CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY;
    } else if (tries > 0) { /* PKCS#11: a wrong PIN since the last successful login */
        flags |= CKF_USER_PIN_COUNT_LOW;
    }
#ifdef SHIM_PIN_PAD_PIN
    flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
#endif
    info->flags = flags;
    return CKR_OK;
}

static CK_RV shim_GetMechanismList(CK_SLOT_ID slot, CK_ULONG *list, CK_ULONG *count) {
    if (card_removed()) return CKR_TOKEN_NOT_PRESENT;
    return REAL(GetMechanismList)(slot, list, count);
}

static CK_RV shim_GetMechanismInfo(CK_SLOT_ID slot, CK_ULONG type, void *info) {
    if (card_removed()) return CKR_TOKEN_NOT_PRESENT;
    return REAL(GetMechanismInfo)(slot, type, info);
}

static CK_RV shim_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, void *application,
                              CK_NOTIFY notify, CK_SESSION_HANDLE *session) {
    if (card_removed()) return CKR_TOKEN_NOT_PRESENT;
    return REAL(OpenSession)(slot, flags, application, notify, session);
}

static CK_RV shim_Login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR *pin,
                        CK_ULONG pin_length) {
    if (card_removed()) return CKR_DEVICE_REMOVED;
    if (user != CKU_USER && user != CKU_CONTEXT_SPECIFIC) {
        return REAL(Login)(session, user, pin, pin_length); /* the SO: not counted */
    }
#ifdef SHIM_PIN_PAD_PIN
    static char keypad_pin[] = SHIM_PIN_PAD_PIN;
    if (pin == NULL) { /* typed on the reader's keypad */
        pin = (CK_UTF8CHAR *)keypad_pin;
        pin_length = (CK_ULONG)strlen(keypad_pin);
    }
#endif
    long tries;
    CK_RV rv;
    pthread_mutex_lock(&state_mutex);
    int fd = tries_open(&tries);
    if (tries >= SHIM_MAX_TRIES) {
        rv = CKR_PIN_LOCKED;
    } else {
        rv = counted(fd, tries, REAL(Login)(session, user, pin, pin_length));
    }
    tries_close(fd);
    pthread_mutex_unlock(&state_mutex);
    return rv;
}

static CK_RV shim_InitPIN(CK_SESSION_HANDLE session, CK_UTF8CHAR *pin, CK_ULONG pin_length) {
    if (card_removed()) return CKR_DEVICE_REMOVED;
    CK_RV rv = REAL(InitPIN)(session, pin, pin_length);
    if (rv == CKR_OK) { /* the SO unblocked the card */
        long tries;
        pthread_mutex_lock(&state_mutex);
        int fd = tries_open(&tries);
        tries_write(fd, 0);
        tries_close(fd);
        pthread_mutex_unlock(&state_mutex);
    }
    return rv;
}

static CK_RV shim_SetPIN(CK_SESSION_HANDLE session, CK_UTF8CHAR *old_pin, CK_ULONG old_length,
                         CK_UTF8CHAR *new_pin, CK_ULONG new_length) {
    if (card_removed()) return CKR_DEVICE_REMOVED;
    CK_SESSION_INFO info;
    CK_RV rv = REAL(GetSessionInfo)(session, &info);
    if (rv != CKR_OK) return rv;
    if (info.state == CKS_RW_SO_FUNCTIONS) { /* the SO changes the SO PIN: not counted */
        return REAL(SetPIN)(session, old_pin, old_length, new_pin, new_length);
    }
    long tries;
    pthread_mutex_lock(&state_mutex);
    int fd = tries_open(&tries);
    if (tries >= SHIM_MAX_TRIES) {
        rv = CKR_PIN_LOCKED;
    } else {
        rv = counted(fd, tries, REAL(SetPIN)(session, old_pin, old_length, new_pin, new_length));
    }
    tries_close(fd);
    pthread_mutex_unlock(&state_mutex);
    return rv;
}

static CK_RV shim_GetAttributeValue(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                                    CK_ATTRIBUTE *template, CK_ULONG count) {
    if (card_removed()) return CKR_DEVICE_REMOVED;
    return REAL(GetAttributeValue)(session, object, template, count);
}

static CK_RV shim_FindObjectsInit(CK_SESSION_HANDLE session, CK_ATTRIBUTE *template,
                                  CK_ULONG count) {
    if (card_removed()) return CKR_DEVICE_REMOVED;
    return REAL(FindObjectsInit)(session, template, count);
}

static CK_RV shim_FindObjects(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE *objects,
                              CK_ULONG max_count, CK_ULONG *count) {
    if (card_removed()) return CKR_DEVICE_REMOVED;
    return REAL(FindObjects)(session, objects, max_count, count);
}

#define OPERATION_INIT(name)                                                                  \
    static CK_RV shim_##name(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism,              \
                             CK_OBJECT_HANDLE key) {                                          \
        if (card_removed()) return CKR_DEVICE_REMOVED;                                        \
        return ((OperationInit_t)real_list->fn[F_##name])(session, mechanism, key);           \
    }
#define ONE_SHOT(name)                                                                        \
    static CK_RV shim_##name(CK_SESSION_HANDLE session, CK_BYTE *data, CK_ULONG length,       \
                             CK_BYTE *out, CK_ULONG *out_length) {                            \
        if (card_removed()) return CKR_DEVICE_REMOVED;                                        \
        return ((OneShot_t)real_list->fn[F_##name])(session, data, length, out, out_length);  \
    }
OPERATION_INIT(SignInit)
ONE_SHOT(Sign)
OPERATION_INIT(DecryptInit)
ONE_SHOT(Decrypt)

static CK_RV shim_SignUpdate(CK_SESSION_HANDLE session, CK_BYTE *part, CK_ULONG length) {
    if (card_removed()) return CKR_DEVICE_REMOVED;
    return ((Update_t)real_list->fn[F_SignUpdate])(session, part, length);
}

static CK_RV shim_SignFinal(CK_SESSION_HANDLE session, CK_BYTE *signature, CK_ULONG *length) {
    if (card_removed()) return CKR_DEVICE_REMOVED;
    return ((Final_t)real_list->fn[F_SignFinal])(session, signature, length);
}

/* ---- Loading ---- */

static void load(void) {
    void *handle = dlopen(SHIM_REAL_MODULE, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) return;
    void *symbol = dlsym(handle, "C_GetFunctionList");
    GetFunctionList_t get_function_list;
    if (symbol == NULL) return;
    memcpy(&get_function_list, &symbol, sizeof get_function_list);
    FUNCTION_LIST *list = NULL;
    if (get_function_list(&list) != CKR_OK || list == NULL) return;
    memcpy(&shim_list, list, sizeof shim_list);
    if (shim_list.version.major > 2) { /* this list has the v2.40 functions only */
        shim_list.version.major = 2;
        shim_list.version.minor = 40;
    }
#define REPLACE(name) shim_list.fn[F_##name] = (any_fn)shim_##name
    REPLACE(GetFunctionList);
    REPLACE(Initialize);
    REPLACE(GetSlotList);
    REPLACE(GetSlotInfo);
    REPLACE(GetTokenInfo);
    REPLACE(GetMechanismList);
    REPLACE(GetMechanismInfo);
    REPLACE(OpenSession);
    REPLACE(Login);
    REPLACE(InitPIN);
    REPLACE(SetPIN);
    REPLACE(GetAttributeValue);
    REPLACE(FindObjectsInit);
    REPLACE(FindObjects);
    REPLACE(SignInit);
    REPLACE(Sign);
    REPLACE(SignUpdate);
    REPLACE(SignFinal);
    REPLACE(DecryptInit);
    REPLACE(Decrypt);
#undef REPLACE
    real_list = list;
}

static CK_RV shim_GetFunctionList(FUNCTION_LIST **list) {
    pthread_once(&load_once, load);
    if (real_list == NULL) return CKR_GENERAL_ERROR;
    if (list == NULL) return CKR_ARGUMENTS_BAD;
    *list = &shim_list;
    return CKR_OK;
}

__attribute__((visibility("default"))) CK_RV C_GetFunctionList(FUNCTION_LIST **list) {
    return shim_GetFunctionList(list);
}
