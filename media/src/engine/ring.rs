//! The lock-free frame ring between a call's task and the mixer thread
//! lives in the HAL, which its ALSA device threads share.

pub(crate) use openphone_hal::ring::FrameRing;
