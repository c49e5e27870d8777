module example.com/bad

go 1.22

require (
	example.com/vulna v1.1.9
	example.com/oops
)
