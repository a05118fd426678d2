/* shared/hex: strict decoding, lower-case encoding. */
#include <criterion/criterion.h>
#include <string.h>

#include "shared/hex.h"

Test(hex, round_trip_of_every_byte)
{
    unsigned char in[256], back[256];
    char text[2 * 256 + 1];
    for (int i = 0; i < 256; i++)
        in[i] = (unsigned char)i;
    hex_encode(in, sizeof in, text);
    cr_assert_eq(strlen(text), 512);
    cr_assert(strncmp(text, "000102", 6) == 0);
    cr_assert(strcmp(text + 506, "fdfeff") == 0);
    cr_assert_eq(hex_decode(text, back, sizeof back), 0);
    cr_assert(memcmp(in, back, sizeof in) == 0);
}

Test(hex, upper_case_is_read)
{
    unsigned char b[2];
    cr_assert_eq(hex_decode("ABcd", b, 2), 0);
    cr_assert_eq(b[0], 0xab);
    cr_assert_eq(b[1], 0xcd);
}

Test(hex, anything_but_exact_digits_is_refused)
{
    unsigned char b[2];
    cr_assert_eq(hex_decode("abc", b, 2), -1, "short");
    cr_assert_eq(hex_decode("abcde", b, 2), -1, "long");
    cr_assert_eq(hex_decode("+f00", b, 2), -1, "sign (sscanf %%2x took it)");
    cr_assert_eq(hex_decode(" f00", b, 2), -1, "space");
    cr_assert_eq(hex_decode("0x00", b, 2), -1, "prefix");
    cr_assert_eq(hex_decode("g000", b, 2), -1, "not a digit");
    cr_assert_eq(hex_decode("", b, 0), 0, "empty is empty");
}
