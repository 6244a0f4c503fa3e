/* The generic AWS call's pure parts: the user's transport error line. */
#include <stdlib.h>

#include "aws/client.h"
#include "harness.h"

TEST(aws_client_transport_message)
{
	char *m = aws_client_transport_message("S3 GetObject aaa-data/v1/x",
					       "connection refused to 127.0.0.1:5000", 8);

	CHECK_STR(m, "S3 GetObject aaa-data/v1/x: connection refused to 127.0.0.1:5000, after 8 "
		     "attempts");
	free(m);
	m = aws_client_transport_message("S3 HeadObject k", "timeout", 1);
	CHECK_STR(m, "S3 HeadObject k: timeout");
	free(m);
}
