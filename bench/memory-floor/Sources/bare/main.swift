// No library, no Foundation: the Swift runtime alone.
import Idle

idle()
