#include <criterion/criterion.h>

#include "supervisor/restart_policy.h"

Test(intensity, allows_up_to_max_in_window)
{
    struct restart_intensity ri;
    intensity_init(&ri, 3, 10000);
    cr_assert_not(intensity_record(&ri, 0));
    cr_assert_not(intensity_record(&ri, 100));
    cr_assert_not(intensity_record(&ri, 200));
    cr_assert(intensity_record(&ri, 300), "4th restart within the window trips");
}

Test(intensity, old_restarts_expire)
{
    struct restart_intensity ri;
    intensity_init(&ri, 2, 1000);
    cr_assert_not(intensity_record(&ri, 0));
    cr_assert_not(intensity_record(&ri, 500));
    cr_assert_not(intensity_record(&ri, 1000), "restart at t=0 left the window");
    cr_assert_eq(intensity_count(&ri, 1000), 2);
    cr_assert_eq(intensity_count(&ri, 5000), 0);
}

Test(intensity, zero_max_trips_on_first)
{
    struct restart_intensity ri;
    intensity_init(&ri, 0, 1000);
    cr_assert(intensity_record(&ri, 0));
}

Test(intensity, ring_saturates_without_overflow)
{
    struct restart_intensity ri;
    intensity_init(&ri, 5000, 1000000);
    for (int i = 0; i < RESTART_HISTORY_MAX + 10; i++)
        intensity_record(&ri, i);
    cr_assert_eq(intensity_count(&ri, RESTART_HISTORY_MAX + 10), RESTART_HISTORY_MAX);
}

Test(backoff, doubles_and_caps)
{
    cr_assert_eq(backoff_delay_ms(1, 100, 5000), 100);
    cr_assert_eq(backoff_delay_ms(2, 100, 5000), 200);
    cr_assert_eq(backoff_delay_ms(3, 100, 5000), 400);
    cr_assert_eq(backoff_delay_ms(7, 100, 5000), 5000);
    cr_assert_eq(backoff_delay_ms(1000, 100, 5000), 5000);
    cr_assert_eq(backoff_delay_ms(0, 100, 5000), 100);
    cr_assert_eq(backoff_delay_ms(5, 0, 5000), 0);
}
