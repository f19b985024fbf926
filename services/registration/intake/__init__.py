"""E-mail intake: registrations sent to the speakers-list address, read, checked, published like the API's."""
